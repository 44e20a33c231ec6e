import Foundation
import JSONKit

/// The `questions` section of `<home>/config.json`: how long a live CLI's question is held open
/// before the model is told the user will answer later.
///
/// ```json
/// {"questions": {"holdFor": "10m"}}
/// ```
public struct QuestionSettings: Sendable, Hashable {
  /// How long a question asked through a live channel is held open (default 10 minutes).
  public var holdFor: TimeInterval

  /// The default hold: 10 minutes.
  public static let defaultHoldFor: TimeInterval = 600

  /// The settings; the default holds a question for 10 minutes.
  public init(holdFor: TimeInterval = defaultHoldFor) {
    self.holdFor = holdFor
  }

  /// The settings in `<home>/config.json`; the defaults when the file or the section is missing.
  ///
  /// - Throws: ``AgentError`` (code ``AgentError/Code/catalog``) naming the file and the field.
  public static func load(home: StateHome) throws(AgentError) -> QuestionSettings {
    let path = SchedulingLimits.configFile(home: home)
    guard let data = FileSystem.contents(atPath: path) else { return QuestionSettings() }
    return try parse(Array(data), path: path)
  }

  /// Parses the contents of a `config.json` (`path` is only for messages).
  public static func parse(_ bytes: [UInt8], path: String) throws(AgentError) -> QuestionSettings {
    func invalid(_ message: String) -> AgentError { AgentError(.catalog, "\(path): \(message)") }
    guard let root = try? JSONParser.parse(bytes), let object = root.objectValue else {
      throw invalid("not a valid JSON object")
    }
    guard let section = object["questions"], !section.isNull else { return QuestionSettings() }
    guard let questions = section.objectValue else { throw invalid("\"questions\" must be an object") }
    for key in questions.keys where key != "holdFor" {
      throw invalid("unknown field \"questions.\(key)\" (expected holdFor)")
    }
    guard let value = questions["holdFor"], !value.isNull else { return QuestionSettings() }
    guard let seconds = RotationSettings.duration(value) else {
      throw invalid(
        "\"questions.holdFor\" must be seconds (a number of at least 0) or a duration like \"10m\"")
    }
    return QuestionSettings(holdFor: seconds)
  }
}
