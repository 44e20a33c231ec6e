extension Array where Element == String {
  /// The strings with `separator` between them, as `joined(separator:)` makes them — written for
  /// `[String]` alone. The standard library's is generic and not specialized into this package's
  /// modules, so its first call in a process costs a runtime conformance lookup (about 0.1 ms),
  /// which the spawn and supervisor paths to starting an agent's CLI cannot spare.
  public func joined(by separator: String) -> String {
    var result = ""
    for (index, element) in enumerated() {
      if index > 0 { result += separator }
      result += element
    }
    return result
  }
}
