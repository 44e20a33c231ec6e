/// Times in JSON output: ISO-8601 (RFC 3339) text in UTC with milliseconds,
/// `2026-12-02T22:55:11.123Z`, made from seconds since 1970-01-01 UTC without calendars or locales.
///
/// Times are rounded to the nearest millisecond (so `0.123` written as a `Double` stays `.123`);
/// rounding keeps order: the text of a time never sorts after the text of a later one. Times before year 0000 or after 9999 are clamped to those years' ends; a time
/// that is not a finite number has no text.
public enum JSONTime {
  /// Seconds since 1970 of 9999-12-31T23:59:59.999Z.
  static let latest = 253_402_300_799.999
  /// Seconds since 1970 of 0000-01-01T00:00:00.000Z.
  static let earliest = -62_167_219_200.0

  /// The ISO-8601 text of `seconds` since 1970-01-01 UTC, or `nil` when it is NaN or infinite.
  public static func string(_ seconds: Double) -> String? {
    guard let bytes = bytes(seconds) else { return nil }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// The time an ISO-8601 text names, as seconds since 1970-01-01 UTC: `YYYY-MM-DDTHH:MM:SS`, an
  /// optional fraction of any length, and `Z` or a `±HH:MM` offset. `nil` for anything else.
  public static func seconds(_ text: String) -> Double? {
    let b = Array(text.utf8)
    guard b.count >= 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
      b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t") || b[10] == UInt8(ascii: " "),
      b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
      let year = digits(b, 0, 4), let month = digits(b, 5, 2), let day = digits(b, 8, 2),
      let hour = digits(b, 11, 2), let minute = digits(b, 14, 2), let second = digits(b, 17, 2),
      (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
    else { return nil }
    var index = 19
    var fraction = 0.0
    if index < b.count, b[index] == UInt8(ascii: ".") {
      index += 1
      var scale = 0.1
      let start = index
      while index < b.count, let digit = digit(b[index]) {
        fraction += Double(digit) * scale
        scale /= 10
        index += 1
      }
      guard index > start else { return nil }
    }
    guard let offset = zoneOffset(b, from: index) else { return nil }
    let days = daysFromCivil(year: year, month: month, day: day)
    let whole = days * 86_400 + hour * 3_600 + minute * 60 + second - offset
    return Double(whole) + fraction
  }

  /// The UTF-8 bytes of ``string(_:)``.
  static func bytes(_ seconds: Double) -> [UInt8]? {
    var out = [UInt8]()
    out.reserveCapacity(24)
    return write(seconds, { out.append($0) }) ? out : nil
  }

  /// Gives the UTF-8 bytes of ``string(_:)`` to `put` one by one, without allocating; `false`
  /// (and no bytes) when `seconds` is not finite.
  @inline(__always)
  static func write(_ seconds: Double, _ put: (UInt8) -> Void) -> Bool {
    guard seconds.isFinite else { return false }
    let clamped = min(max(seconds, earliest), latest)
    let millis = Int64((clamped * 1000).rounded())
    let (days, dayMillis) = floorDivide(millis, 86_400_000)
    let (year, month, day) = civilFromDays(days)
    let second = dayMillis / 1000
    func number(_ value: Int64, _ width: Int) {
      var divisor: Int64 = 1
      for _ in 1..<width { divisor *= 10 }
      while divisor > 0 {
        put(UInt8(ascii: "0") + UInt8(value / divisor % 10))
        divisor /= 10
      }
    }
    number(year, 4)
    put(UInt8(ascii: "-"))
    number(month, 2)
    put(UInt8(ascii: "-"))
    number(day, 2)
    put(UInt8(ascii: "T"))
    number(second / 3_600, 2)
    put(UInt8(ascii: ":"))
    number(second / 60 % 60, 2)
    put(UInt8(ascii: ":"))
    number(second % 60, 2)
    put(UInt8(ascii: "."))
    number(dayMillis % 1000, 3)
    put(UInt8(ascii: "Z"))
    return true
  }

  /// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar.
  static func civilFromDays(_ days: Int64) -> (Int64, Int64, Int64) {
    let z = days + 719_468
    let era = floorDivide(z, 146_097).0
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let monthIndex = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
    let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
    let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    return (year, month, day)
  }

  /// (year, month, day) → days since 1970-01-01, the inverse of ``civilFromDays(_:)``.
  static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
    let shifted = month <= 2 ? year - 1 : year
    let era = floorDivide(shifted, 400).0
    let yearOfEra = shifted - era * 400
    let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146_097 + dayOfEra - 719_468
  }

  private static func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
    let quotient = a >= 0 ? a / b : (a - b + 1) / b
    return (quotient, a - quotient * b)
  }

  private static func digit(_ byte: UInt8) -> Int64? {
    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int64(byte - UInt8(ascii: "0")) : nil
  }

  private static func digits(_ b: [UInt8], _ from: Int, _ count: Int) -> Int64? {
    var value: Int64 = 0
    for index in from..<(from + count) {
      guard let digit = digit(b[index]) else { return nil }
      value = value * 10 + digit
    }
    return value
  }

  /// The zone at `index` to the end: `Z` is 0, `±HH:MM` its seconds east of UTC.
  private static func zoneOffset(_ b: [UInt8], from index: Int) -> Int64? {
    if index == b.count - 1, b[index] == UInt8(ascii: "Z") || b[index] == UInt8(ascii: "z") { return 0 }
    guard index + 6 == b.count, b[index] == UInt8(ascii: "+") || b[index] == UInt8(ascii: "-"),
      b[index + 3] == UInt8(ascii: ":"), let hours = digits(b, index + 1, 2),
      let minutes = digits(b, index + 4, 2), hours < 24, minutes < 60
    else { return nil }
    let offset = hours * 3_600 + minutes * 60
    return b[index] == UInt8(ascii: "-") ? -offset : offset
  }
}
