import Foundation
import Testing

@testable import MultiAgent

/// `rotation.switchAt` in `<home>/config.json`: one share for every window, or per window, with
/// clear errors for anything else.
@Suite struct RotationSettingsTests {
  static func parse(_ text: String) throws(AgentError) -> RotationSettings {
    try RotationSettings.parse(Array(text.utf8), path: "/h/config.json")
  }

  @Test func defaultsAndBothForms() throws {
    #expect(try Self.parse("{}").thresholds == .standard)
    #expect(try Self.parse(#"{"limits": {"maxRunning": 2}}"#).thresholds.defaultShare == 0.9)
    #expect(try Self.parse(#"{"rotation": {"switchAt": 0.8}}"#).thresholds.defaultShare == 0.8)
    let perWindow = try Self.parse(#"{"rotation": {"switchAt": {"default": 0.85, "seven_day": 0.98}}}"#)
      .thresholds
    #expect(perWindow.share(for: "five_hour") == 0.85 && perWindow.share(for: "seven_day") == 0.98)
  }

  @Test func fallbackProvidersAndHowLongToWaitFirst() throws {
    let defaults = try Self.parse("{}")
    #expect(defaults.fallbackAfter == 600 && defaults.fallback.isEmpty)
    let settings = try Self.parse(
      #"{"fallback": {"claude": ["codex", "gemini"], "codex": []}, "rotation": {"fallbackAfter": 90}}"#)
    #expect(settings.fallback == ["claude": ["codex", "gemini"], "codex": []])
    #expect(settings.fallbackAfter == 90)
    for (text, seconds) in [("\"45s\"", 45.0), ("\"10m\"", 600), ("\"2h\"", 7200), ("\"30\"", 30), ("0", 0)] {
      #expect(try Self.parse(#"{"rotation": {"fallbackAfter": "# + text + "}}").fallbackAfter == seconds)
    }
  }

  @Test(arguments: [
    (#"{"rotation": 3}"#, "\"rotation\" must be an object"),
    (#"{"rotation": {"switchAt": 0}}"#, "\"rotation.switchAt\" must be a number above 0 and at most 1"),
    (#"{"rotation": {"switchAt": 1.5}}"#, "\"rotation.switchAt\" must be a number above 0 and at most 1"),
    (#"{"rotation": {"switchAt": "high"}}"#, "\"rotation.switchAt\" must be a number"),
    (#"{"rotation": {"switchAt": {"seven_day": -1}}}"#, "\"rotation.switchAt.seven_day\" must be a number"),
    (#"{"rotation": {"swichAt": 0.9}}"#, "unknown field \"rotation.swichAt\""),
    (#"{"rotation": {"fallbackAfter": -5}}"#, "\"rotation.fallbackAfter\" must be seconds"),
    (#"{"rotation": {"fallbackAfter": "soon"}}"#, "\"rotation.fallbackAfter\" must be seconds"),
    (#"{"fallback": ["codex"]}"#, "\"fallback\" must be an object"),
    (#"{"fallback": {"claude": "codex"}}"#, "\"fallback.claude\" must be an array of provider names"),
    (#"{"fallback": {"claude": ["codex", 3]}}"#, "\"fallback.claude\" must be an array"),
    ("{", "not a valid JSON object"),
  ])
  func invalidSettingsAreNamed(_ text: String, _ message: String) {
    let error = #expect(throws: AgentError.self) { try Self.parse(text) }
    #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    #expect(error?.message.hasPrefix("/h/config.json") == true)
  }

  @Test func questionsHoldForIsADuration() throws {
    func parse(_ text: String) throws(AgentError) -> QuestionSettings {
      try QuestionSettings.parse(Array(text.utf8), path: "/h/config.json")
    }
    #expect(try parse("{}").holdFor == 600)
    #expect(try parse(#"{"questions": {"holdFor": 2}}"#).holdFor == 2)
    #expect(try parse(#"{"questions": {"holdFor": "5m"}}"#).holdFor == 300)
    for bad in [#"{"questions": 3}"#, #"{"questions": {"holdFor": "soon"}}"#, #"{"questions": {"hold": 1}}"#]
    {
      let error = #expect(throws: AgentError.self) { try parse(bad) }
      #expect(error?.message.hasPrefix("/h/config.json: ") == true, "\(error?.message ?? "")")
    }
  }
}
