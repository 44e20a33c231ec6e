import Foundation
import ProviderKit
import Testing

@testable import Providers

/// Every reset-time notation, including day, month and year rollover and daylight-saving changes.
@Suite struct ResetTimeParserTests {
  /// Saturday 2026-11-21 19:51:17 UTC.
  let now = utc(2026, 11, 21, 19, 51, 17)
  let utcZone = TimeZone(identifier: "UTC")!

  func reset(
    _ text: String, _ format: ExhaustionRule.ResetFormat, now: Date? = nil, zone: String = "UTC"
  ) -> Date? {
    ResetTimeParser(now: now ?? self.now, timeZone: TimeZone(identifier: zone)!).resetDate(
      in: text, format: format)
  }

  // MARK: claude-clock

  @Test func claudeClockTimeLaterTodayInUTC() {
    #expect(
      reset("You've hit your 5-hour limit · resets 9:09pm (UTC)", .claudeClock) == utc(2026, 11, 21, 21, 9))
  }

  @Test func claudeClockHourOnlyInAnEarlierZoneRollsToTomorrow() {
    #expect(
      reset("You've hit your 5-hour limit · resets 3pm (Europe/Berlin)", .claudeClock)
        == date(2026, 11, 22, 15, 0, zone: "Europe/Berlin"))
  }

  @Test func claudeClockWithMonthAndDay() {
    #expect(
      reset("You've hit your weekly limit · resets Nov 24, 2:43am (UTC)", .claudeClock)
        == utc(2026, 11, 24, 2, 43))
  }

  @Test func claudeClockDateAlreadyPastThisYearIsNextYear() {
    #expect(
      reset("You've hit your Opus limit · resets Apr 23 at 4pm (America/Recife)", .claudeClock)
        == date(2027, 4, 23, 16, 0, zone: "America/Recife"))
  }

  @Test func claudeClockTimeOnNewYearsEveRollsIntoTheNextYear() {
    let lateDecember = utc(2026, 12, 31, 23, 30)
    #expect(reset("resets 1am (UTC)", .claudeClock, now: lateDecember) == utc(2027, 1, 1, 1, 0))
    #expect(reset("resets Jan 2, 1am (UTC)", .claudeClock, now: lateDecember) == utc(2027, 1, 2, 1, 0))
  }

  @Test func claudeClockTimeRollsOverTheEndOfTheMonth() {
    #expect(
      reset("resets 12:15am (UTC)", .claudeClock, now: utc(2026, 11, 30, 23, 0)) == utc(2026, 12, 1, 0, 15))
  }

  @Test func claudeClockNoonAndMidnight() {
    #expect(
      reset("resets 12pm (UTC)", .claudeClock, now: utc(2026, 11, 21, 6, 0)) == utc(2026, 11, 21, 12, 0))
    #expect(reset("resets 12am (UTC)", .claudeClock, now: utc(2026, 11, 21, 6, 0)) == utc(2026, 11, 22, 0, 0))
  }

  @Test func claudeClockAcrossTheSpringDaylightSavingChange() {
    // Berlin moves to CEST on 2026-03-29: tomorrow's 3pm is 13:00 UTC, today's was 14:00 UTC.
    let evening = utc(2026, 3, 28, 20, 0)
    #expect(reset("resets 3pm (Europe/Berlin)", .claudeClock, now: evening) == utc(2026, 3, 29, 13, 0))
    let morning = utc(2026, 3, 28, 8, 0)
    #expect(reset("resets 3pm (Europe/Berlin)", .claudeClock, now: morning) == utc(2026, 3, 28, 14, 0))
  }

  @Test func claudeClockOtherWordings() {
    #expect(
      reset("Claude usage limit reached. Your limit will reset at 3pm (America/Santiago).", .claudeClock)
        == date(2026, 11, 22, 15, 0, zone: "America/Santiago"))
    #expect(
      reset("You're out of extra usage · resets 1pm (America/Los_Angeles)", .claudeClock)
        == date(2026, 11, 21, 13, 0, zone: "America/Los_Angeles"))
  }

  @Test func claudeClockWithoutAZoneUsesTheLocalZone() {
    #expect(
      reset("5-hour limit reached ∙ resets 1am", .claudeClock, zone: "Europe/Berlin")
        == date(2026, 11, 22, 1, 0, zone: "Europe/Berlin"))
  }

  @Test func claudeClockUnknownZoneFallsBackToTheLocalZone() {
    #expect(
      reset("resets 11pm (Mars/Olympus_Mons)", .claudeClock, zone: "America/Recife")
        == date(2026, 11, 21, 23, 0, zone: "America/Recife"))
  }

  @Test func claudeClockMinuteTruncationDoesNotPushTheResetADayLater() {
    // Printed "9:09pm" for 21:09:40; read at 21:09:30 the reset is now, not tomorrow.
    #expect(
      reset("resets 9:09pm (UTC)", .claudeClock, now: utc(2026, 11, 21, 21, 9, 30))
        == utc(2026, 11, 21, 21, 9))
    #expect(
      reset("resets 9:09pm (UTC)", .claudeClock, now: utc(2026, 11, 21, 21, 30)) == utc(2026, 11, 22, 21, 9))
  }

  @Test func claudeClockWithoutATimeIsNil() {
    #expect(reset("You've hit your usage limit", .claudeClock) == nil)
    #expect(reset("resets soon", .claudeClock) == nil)
  }

  // MARK: codex-clock

  @Test func codexClockTimeTodayInTheLocalZone() {
    #expect(
      reset("You’ve hit your usage limit. … or try again at 9:12 PM.", .codexClock)
        == utc(2026, 11, 21, 21, 12))
  }

  @Test func codexClockTimeInRecifeIsAfterMidnightUTC() {
    // 19:51 UTC is 16:51 in Recife (UTC−3): 9:12 PM there is 00:12 UTC tomorrow.
    #expect(reset("try again at 9:12 PM.", .codexClock, zone: "America/Recife") == utc(2026, 11, 22, 0, 12))
  }

  @Test func codexClockTimeAlreadyPastIsTomorrow() {
    #expect(reset("Try again at 3:00 AM.", .codexClock) == utc(2026, 11, 22, 3, 0))
  }

  @Test func codexClockWithDateYearAndOrdinalSuffixes() {
    #expect(reset("try again at Sep 20th, 2026 4:00 PM.", .codexClock) == utc(2026, 9, 20, 16, 0))
    #expect(
      reset("try again at Aug 11th, 2026 2:23 PM.", .codexClock, zone: "Europe/Berlin")
        == date(2026, 8, 11, 14, 23, zone: "Europe/Berlin"))
    #expect(reset("try again at Dec 1st, 2026 9:05 AM.", .codexClock) == utc(2026, 12, 1, 9, 5))
    #expect(reset("try again at Dec 2nd, 2026 9:05 AM.", .codexClock) == utc(2026, 12, 2, 9, 5))
    #expect(reset("try again at Dec 3rd, 2026 12:00 AM.", .codexClock) == utc(2026, 12, 3, 0, 0))
  }

  @Test func codexClockWithANarrowNoBreakSpaceBeforePM() {
    #expect(reset("try again at 9:12\u{202F}PM.", .codexClock) == utc(2026, 11, 21, 21, 12))
  }

  @Test func codexClockRelativeDays() {
    let expected = now.addingTimeInterval(3 * 86_400 + 2 * 3_600 + 5 * 60)
    #expect(reset("try again in 3 days 2 hours 5 minutes.", .codexClock) == expected)
  }

  @Test func codexClockLaterIsNil() {
    #expect(reset("You’ve hit your usage limit. Try again later.", .codexClock) == nil)
  }

  // MARK: duration

  @Test func durationCompactHoursMinutesSeconds() {
    #expect(
      reset("You have exhausted your capacity on this model. Your quota will reset after 1h49m8s.", .duration)
        == now.addingTimeInterval(6_548))
  }

  @Test func durationWithSpacesAndWords() {
    #expect(
      reset("5-hour standard usage limit (resets in 1h 48min)", .duration) == now.addingTimeInterval(6_480))
    #expect(
      reset("weekly standard usage limit (resets in 2 days).", .duration) == now.addingTimeInterval(172_800))
    #expect(reset("resets in 1 day", .duration) == now.addingTimeInterval(86_400))
    #expect(reset("reset after 2h5m30s", .duration) == now.addingTimeInterval(7_530))
  }

  @Test func durationFractionalSeconds() {
    #expect(reset("Please retry in 12.5s", .duration) == now.addingTimeInterval(12.5))
    #expect(reset(#"{"retryDelay": "10.5s"}"#, .duration) == now.addingTimeInterval(10.5))
  }

  @Test func durationWithoutOneIsNil() {
    #expect(reset("You have exhausted your daily quota on this model.", .duration) == nil)
  }

  // MARK: epoch-seconds and utc-datetime

  @Test func epochSecondsAfterAPipe() {
    #expect(
      reset("Claude AI usage limit reached|1762952400", .epochSeconds)
        == Date(timeIntervalSince1970: 1_762_952_400))
    #expect(reset("limit|1762952400123", .epochSeconds) == Date(timeIntervalSince1970: 1_762_952_400.123))
    #expect(reset("no epoch here", .epochSeconds) == nil)
  }

  @Test func utcDateTimeWithoutYearIsTheNextOccurrence() {
    let august = utc(2026, 8, 12, 7, 0)
    let text =
      "Quota exhausted: Your token-plan 5-hour quota has been exhausted. The quota will reset at 08-12 10:12:00 UTC."
    #expect(reset(text, .utcDateTime, now: august) == utc(2026, 8, 12, 10, 12))
    // In November, August 12 is next year's.
    #expect(reset(text, .utcDateTime) == utc(2027, 8, 12, 10, 12))
  }

  @Test func utcDateTimeWithYearIsExactWhateverTheLocalZone() {
    #expect(
      reset("The quota will reset at 2026-12-01 10:12:00 UTC.", .utcDateTime, zone: "Europe/Berlin")
        == utc(2026, 12, 1, 10, 12))
    #expect(reset("reset at 2026-12-01T10:12:30Z", .utcDateTime) == utc(2026, 12, 1, 10, 12, 30))
  }

  @Test func utcDateTimeRejectsImpossibleDates() {
    #expect(reset("reset at 02-30 10:00:00 UTC", .utcDateTime) == nil)
  }

  @Test func everyFormatSurvivesHostileText() {
    let texts = [
      "", "resets", "resets (", "resets 99:99pm (UTC)", "try again at", "try again at Feb", "|",
      "|999999999999999999999",
      "resets in", "08-", "2026-13-45 25:61:00", String(repeating: "resets 1", count: 1000), "\u{0}\u{FFFD}",
    ]
    for text in texts {
      for format in ExhaustionRule.ResetFormat.allCases { _ = reset(text, format) }
    }
  }
}
