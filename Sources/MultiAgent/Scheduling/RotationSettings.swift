import Credentials
import Foundation
import JSONKit

/// The `rotation` section of `<home>/config.json`: when an account's usage readings make the next
/// run prefer another account.
///
/// ```json
/// {"rotation": {"switchAt": 0.9}}
/// {"rotation": {"switchAt": {"default": 0.9, "seven_day": 0.98}}}
/// ```
public struct RotationSettings: Sendable, Hashable {
  /// The share of each usage window at which an account gives way (default 0.9).
  public var thresholds: RotationThresholds

  /// The settings; the default switches at 0.9 of any window.
  public init(thresholds: RotationThresholds = .standard) {
    self.thresholds = thresholds
  }

  /// The settings in `<home>/config.json`; the defaults when the file or the section is missing.
  ///
  /// - Throws: ``AgentError`` (code ``AgentError/Code/catalog``) naming the file and the field.
  public static func load(home: StateHome) throws(AgentError) -> RotationSettings {
    let path = SchedulingLimits.configFile(home: home)
    guard let data = FileManager.default.contents(atPath: path) else { return RotationSettings() }
    return try parse(Array(data), path: path)
  }

  /// Parses the contents of a `config.json` (`path` is only for messages).
  public static func parse(_ bytes: [UInt8], path: String) throws(AgentError) -> RotationSettings {
    func invalid(_ message: String) -> AgentError { AgentError(.catalog, "\(path): \(message)") }
    guard let root = try? JSONParser.parse(bytes), let object = root.objectValue else {
      throw invalid("not a valid JSON object")
    }
    guard let section = object["rotation"], !section.isNull else { return RotationSettings() }
    guard let rotation = section.objectValue else { throw invalid("\"rotation\" must be an object") }
    for key in rotation.keys where !["switchAt"].contains(key) {
      throw invalid("unknown field \"rotation.\(key)\" (expected switchAt)")
    }
    func share(_ value: JSONValue, _ field: String) throws(AgentError) -> Double {
      guard let number = value.doubleValue, number > 0, number <= 1 else {
        throw invalid("\"\(field)\" must be a number above 0 and at most 1 (a share of the window)")
      }
      return number
    }
    var thresholds = RotationThresholds.standard
    switch rotation["switchAt"] {
    case nil, .null?: break
    case .object(let windows)?:
      for (name, value) in zip(windows.keys, windows.values) {
        if name == "default" {
          thresholds.defaultShare = try share(value, "rotation.switchAt.default")
        } else {
          thresholds.perWindow[name] = try share(value, "rotation.switchAt.\(name)")
        }
      }
    case let value?: thresholds.defaultShare = try share(value, "rotation.switchAt")
    }
    return RotationSettings(thresholds: thresholds)
  }
}
