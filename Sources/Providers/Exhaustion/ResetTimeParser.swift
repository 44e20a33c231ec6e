import Foundation
import ProviderKit

/// Reads the instant an account's usage limit resets from the text a CLI printed.
///
/// One reader per ``ExhaustionRule/ResetFormat``:
/// - ``ExhaustionRule/ResetFormat/claudeClock``: `resets 9:09pm (UTC)`, `resets 3pm (Europe/Berlin)`,
///   `resets Nov 24, 2:43am (UTC)`, `resets Apr 23 at 4pm (America/Recife)`,
///   `will reset at 3pm (America/Santiago)`. The zone in parentheses is an IANA name; without one (or
///   with one this system does not know) the context's time zone is used.
/// - ``ExhaustionRule/ResetFormat/codexClock``: `try again at 9:12 PM.` (local time),
///   `try again at Sep 20th, 2026 4:00 PM.`, `try again in 3 days 2 hours 5 minutes`.
/// - ``ExhaustionRule/ResetFormat/duration``: `reset after 1h49m8s`, `resets in 1h 48min`,
///   `resets in 2 days`, `Please retry in 12.5s`: now plus the duration.
/// - ``ExhaustionRule/ResetFormat/epochSeconds``: `…|1762952400`.
/// - ``ExhaustionRule/ResetFormat/utcDateTime``: `reset at 08-12 10:12:00 UTC` (month-day) or
///   `2026-08-12 10:12:00 UTC`.
///
/// A time without a date is the next such instant (today or tomorrow in its zone); a date without a
/// year is the next such date (this year or next). Because CLIs print reset times truncated to the
/// minute, an instant up to ``pastTolerance`` before now still counts as the upcoming one.
/// Calendar arithmetic uses Foundation's Gregorian calendar in the stated zone; numbers are read
/// digit by digit, never through a locale-dependent formatter.
public struct ResetTimeParser: Sendable {
  /// The current time, the reference for times printed without a date or year.
  public var now: Date
  /// The zone of wall-clock times printed without one (Codex prints local time).
  public var timeZone: TimeZone

  /// How far in the past a printed instant may lie and still be the upcoming reset.
  public static let pastTolerance: TimeInterval = 120

  /// Creates a parser for texts printed at `now` by a CLI running in `timeZone`.
  public init(now: Date, timeZone: TimeZone) {
    self.now = now
    self.timeZone = timeZone
  }

  /// The reset instant `text` states in `format`, or `nil` when it states none this parser can read.
  public func resetDate(in text: String, format: ExhaustionRule.ResetFormat) -> Date? {
    let scanner = ResetTextScanner(text)
    switch format {
    case .claudeClock: return anchored(scanner, anchors: ["reset", "resets"])
    case .codexClock: return anchored(scanner, anchors: ["try again", "retry"])
    case .duration: return durationAfterAnchor(scanner)
    case .epochSeconds: return epochSeconds(scanner)
    case .utcDateTime: return utcDateTime(scanner)
    }
  }

  // MARK: - Clock times after an anchor ("resets …", "try again …")

  private func anchored(_ scanner: ResetTextScanner, anchors: [String]) -> Date? {
    var starts: [Int] = []
    for anchor in anchors {
      for start in scanner.occurrences(of: anchor) {
        if let end = scanner.word(anchor, at: start) { starts.append(end) }
      }
    }
    for start in starts.sorted() {
      var index = scanner.skipSpaces(start)
      if let end = scanner.word("in", at: index) ?? scanner.word("after", at: index) {
        if let seconds = duration(scanner, at: end) { return now.addingTimeInterval(seconds) }
        continue
      }
      if let end = scanner.word("at", at: index) ?? scanner.word("on", at: index) {
        index = end
      }
      if let clock = clockExpression(scanner, at: index), let date = resolve(clock) { return date }
    }
    return nil
  }

  /// A wall-clock time, possibly with a date and a zone, as printed.
  struct ClockExpression {
    var year: Int?
    var month: Int?
    var day: Int?
    var hour: Int
    var minute: Int
    var second: Int
    var zone: String?
  }

  private static let monthNames = [
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december",
  ]

  private func month(named word: String) -> Int? {
    guard word.count >= 3 else { return nil }
    if word == "sept" { return 9 }
    return Self.monthNames.firstIndex { $0.hasPrefix(word) }.map { $0 + 1 }
  }

  /// `[Month day[st|nd|rd|th][,] [year][,] [at]] h[:mm[:ss]][ ]am|pm [(Zone/Name)]`, or a 24-hour
  /// `hh:mm` with no am/pm.
  func clockExpression(_ scanner: ResetTextScanner, at start: Int) -> ClockExpression? {
    var index = scanner.skipSpaces(start)
    var year: Int?
    var month: Int?
    var day: Int?
    if let (word, end) = scanner.letters(at: index), let monthNumber = self.month(named: word) {
      index = scanner.skip(end, spacesAnd: ".")
      guard let dayNumber = scanner.integer(at: index, maxDigits: 2), (1...31).contains(dayNumber.value)
      else { return nil }
      month = monthNumber
      day = dayNumber.value
      index = dayNumber.end
      if let (suffix, end) = scanner.letters(at: index), ["st", "nd", "rd", "th"].contains(suffix) {
        index = end
      }
      index = scanner.skip(index, spacesAnd: ",")
      if let yearNumber = scanner.integer(at: index, maxDigits: 4), yearNumber.digits == 4,
        !(index + 4 < scanner.count && scanner.units[index + 4] == UInt8(ascii: ":"))
      {
        year = yearNumber.value
        index = scanner.skip(yearNumber.end, spacesAnd: ",")
      }
      if let end = scanner.word("at", at: index) { index = scanner.skipSpaces(end) }
    }
    guard let hourNumber = scanner.integer(at: index, maxDigits: 2) else { return nil }
    var hour = hourNumber.value
    var minute = 0
    var second = 0
    var hasMinutes = false
    index = hourNumber.end
    if index < scanner.count, scanner.units[index] == UInt8(ascii: ":"),
      let minuteNumber = scanner.integer(at: index + 1, maxDigits: 2), minuteNumber.digits == 2
    {
      minute = minuteNumber.value
      hasMinutes = true
      index = minuteNumber.end
      if index < scanner.count, scanner.units[index] == UInt8(ascii: ":"),
        let secondNumber = scanner.integer(at: index + 1, maxDigits: 2), secondNumber.digits == 2
      {
        second = secondNumber.value
        index = secondNumber.end
      }
    }
    let meridiemStart = scanner.skipSpaces(index)
    if let (word, end) = meridiem(scanner, at: meridiemStart) {
      guard (1...12).contains(hour) else { return nil }
      hour = hour % 12 + (word == "pm" ? 12 : 0)
      index = end
    } else {
      // A bare number is not a time; "21:09" is.
      guard hasMinutes, hour < 24 else { return nil }
    }
    guard minute < 60, second < 60 else { return nil }
    var zone: String?
    let zoneStart = scanner.skipSpaces(index)
    if zoneStart < scanner.count, scanner.units[zoneStart] == UInt8(ascii: "(") {
      var end = zoneStart + 1
      while end < scanner.count, scanner.units[end] != UInt8(ascii: ")") { end += 1 }
      if end < scanner.count { zone = scanner.text(zoneStart + 1, end) }
    } else if let (word, _) = scanner.letters(at: zoneStart), ["utc", "gmt", "z"].contains(word) {
      zone = "UTC"
    }
    return ClockExpression(
      year: year, month: month, day: day, hour: hour, minute: minute, second: second, zone: zone)
  }

  private func meridiem(_ scanner: ResetTextScanner, at index: Int) -> (String, Int)? {
    let first = scanner.lower(index)
    guard first == UInt8(ascii: "a") || first == UInt8(ascii: "p") else { return nil }
    let word = first == UInt8(ascii: "a") ? "am" : "pm"
    // "pm", "PM", "p.m."
    if scanner.lower(index + 1) == UInt8(ascii: "m"), !scanner.isLetter(index + 2) {
      return (word, index + 2)
    }
    if scanner.lower(index + 1) == UInt8(ascii: "."), scanner.lower(index + 2) == UInt8(ascii: "m") {
      let end = scanner.lower(index + 3) == UInt8(ascii: ".") ? index + 4 : index + 3
      return (word, end)
    }
    return nil
  }

  /// The zone named `name` (an IANA identifier or a known abbreviation), else the context's.
  func zone(named name: String?) -> TimeZone {
    guard let name, !name.isEmpty else { return timeZone }
    return TimeZone(identifier: name) ?? TimeZone(abbreviation: name) ?? timeZone
  }

  func resolve(_ clock: ClockExpression) -> Date? {
    resolve(clock, in: zone(named: clock.zone))
  }

  /// The instant `clock` names in `zone`: exact with a year; otherwise the next one after now.
  func resolve(_ clock: ClockExpression, in zone: TimeZone) -> Date? {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = zone
    let earliest = now.addingTimeInterval(-Self.pastTolerance)
    func instant(year: Int, month: Int, day: Int) -> Date? {
      let components = DateComponents(
        year: year, month: month, day: day, hour: clock.hour, minute: clock.minute, second: clock.second)
      guard let date = calendar.date(from: components) else { return nil }
      // Reject dates the calendar rolled over (Feb 30 → Mar 2).
      return calendar.component(.day, from: date) == day ? date : nil
    }
    let today = calendar.dateComponents([.year, .month, .day], from: now)
    guard let thisYear = today.year, let thisMonth = today.month, let thisDay = today.day else { return nil }
    if let month = clock.month, let day = clock.day {
      if let year = clock.year { return instant(year: year, month: month, day: day) }
      for year in thisYear...(thisYear + 1) {
        if let date = instant(year: year, month: month, day: day), date >= earliest { return date }
      }
      return nil
    }
    // Time only: today, else the next day, stepping by calendar day so DST changes do not shift it.
    guard
      let noonToday = calendar.date(
        from: DateComponents(year: thisYear, month: thisMonth, day: thisDay, hour: 12))
    else { return nil }
    for offset in 0...2 {
      guard let noon = calendar.date(byAdding: .day, value: offset, to: noonToday) else { continue }
      let day = calendar.dateComponents([.year, .month, .day], from: noon)
      guard let year = day.year, let month = day.month, let dayNumber = day.day else { continue }
      if let date = instant(year: year, month: month, day: dayNumber), date >= earliest { return date }
    }
    return nil
  }

  // MARK: - Durations

  private static let durationAnchors = [
    "reset after", "resets after", "reset in", "resets in", "retry in", "retry after", "try again in",
    "retrydelay", "available in", "available again in", "wait",
  ]

  private func durationAfterAnchor(_ scanner: ResetTextScanner) -> Date? {
    var starts: [Int] = []
    for anchor in Self.durationAnchors {
      for start in scanner.occurrences(of: anchor) {
        if let end = scanner.match(Array(anchor.utf8), at: start) { starts.append(end) }
      }
    }
    for start in starts.sorted() {
      // `"retryDelay": "10.5s"` has quotes and a colon between anchor and number.
      let index = scanner.skip(start, spacesAnd: "\"':=")
      if let seconds = duration(scanner, at: index) { return now.addingTimeInterval(seconds) }
    }
    return nil
  }

  private static let unitSeconds: [String: Double] = [
    "w": 604_800, "wk": 604_800, "wks": 604_800, "week": 604_800, "weeks": 604_800,
    "d": 86_400, "day": 86_400, "days": 86_400,
    "h": 3_600, "hr": 3_600, "hrs": 3_600, "hour": 3_600, "hours": 3_600,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "ms": 0.001, "msec": 0.001, "millisecond": 0.001, "milliseconds": 0.001,
  ]

  /// A duration such as `1h49m8s`, `1h 48min`, `2 days`, `3 days 2 hours 5 minutes`, `12.5s`, in
  /// seconds.
  func duration(_ scanner: ResetTextScanner, at start: Int) -> TimeInterval? {
    var index = scanner.skipSpaces(start)
    var total: TimeInterval = 0
    var parts = 0
    while true {
      var next = index
      if parts > 0 {
        next = scanner.skip(next, spacesAnd: ",")
        if let end = scanner.word("and", at: next) { next = scanner.skipSpaces(end) }
      }
      guard let number = scanner.decimal(at: next) else { break }
      let unitStart = scanner.skipSpaces(number.end)
      guard let (unit, end) = scanner.letters(at: unitStart), let seconds = Self.unitSeconds[unit] else {
        break
      }
      total += number.value * seconds
      parts += 1
      index = end
    }
    return parts > 0 ? total : nil
  }

  // MARK: - Epoch seconds and UTC date-times

  private func epochSeconds(_ scanner: ResetTextScanner) -> Date? {
    for index in scanner.units.indices where scanner.units[index] == UInt8(ascii: "|") {
      let start = scanner.skipSpaces(index + 1)
      if let number = scanner.integer(at: start, maxDigits: 13), number.digits >= 9 {
        return dateFromEpoch(Double(number.value))
      }
    }
    return nil
  }

  /// `YYYY-MM-DD hh:mm[:ss]` or `MM-DD hh:mm[:ss]` (a `T` may separate date and time), in UTC.
  private func utcDateTime(_ scanner: ResetTextScanner) -> Date? {
    let dash = UInt8(ascii: "-")
    for start in scanner.units.indices where scanner.isDigit(start) && !scanner.isDigit(start - 1) {
      guard let first = scanner.integer(at: start, maxDigits: 4), first.end < scanner.count,
        scanner.units[first.end] == dash, let next = scanner.integer(at: first.end + 1, maxDigits: 2)
      else { continue }
      var year: Int?
      var month = first.value
      var day = next.value
      var index = next.end
      if first.digits == 4 {
        guard index < scanner.count, scanner.units[index] == dash,
          let third = scanner.integer(at: index + 1, maxDigits: 2)
        else { continue }
        year = first.value
        month = next.value
        day = third.value
        index = third.end
      } else if month > 12, day <= 12 {
        swap(&month, &day)
      }
      guard (1...12).contains(month), (1...31).contains(day) else { continue }
      if index < scanner.count, scanner.lower(index) == UInt8(ascii: "t") {
        index += 1
      } else {
        guard scanner.isSpace(index) else { continue }
      }
      index = scanner.skipSpaces(index)
      guard let hour = scanner.integer(at: index, maxDigits: 2), hour.value < 24,
        hour.end < scanner.count, scanner.units[hour.end] == UInt8(ascii: ":"),
        let minute = scanner.integer(at: hour.end + 1, maxDigits: 2), minute.value < 60
      else { continue }
      var second = 0
      if minute.end < scanner.count, scanner.units[minute.end] == UInt8(ascii: ":"),
        let seconds = scanner.integer(at: minute.end + 1, maxDigits: 2), seconds.value < 60
      {
        second = seconds.value
      }
      let clock = ClockExpression(
        year: year, month: month, day: day, hour: hour.value, minute: minute.value, second: second,
        zone: "UTC")
      return resolve(clock, in: TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0)!)
    }
    return nil
  }
}
