import JSONKit

/// Reads a time from `--json` output parsed by `JSONSerialization`: the ISO-8601 text every time
/// is written as, as seconds since 1970. `nil` for anything else (a number included: a time that
/// comes out as a number is a regression the caller's expectation should catch).
public func jsonTime(_ value: Any?) -> Double? {
  guard let text = value as? String else { return nil }
  return JSONTime.seconds(text)
}
