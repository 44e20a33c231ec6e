import Credentials
import Foundation
import JSONKit

/// The `rotation` and `fallback` sections of `<home>/config.json`: when an account's usage
/// readings make the next run prefer another account, and when (and where to) an agent continues on
/// another provider.
///
/// ```json
/// {"rotation": {"switchAt": 0.9}}
/// {"rotation": {"switchAt": {"default": 0.9, "seven_day": 0.98}, "fallbackAfter": 600}}
/// {"fallback": {"claude": ["codex", "gemini"]}}
/// ```
public struct RotationSettings: Sendable, Hashable {
  /// The share of each usage window at which an account gives way (default 0.9).
  public var thresholds: RotationThresholds
  /// How far away the earliest reset must be, when every account of an agent's provider is
  /// exhausted, for the agent to continue on its fallback provider rather than wait (default 10
  /// minutes). `rotation.fallbackAfter`: seconds, or a string like `"90s"`, `"10m"`, `"2h"`.
  public var fallbackAfter: TimeInterval
  /// For each provider, the providers its agents continue on, in order (`fallback`), unless a
  /// spawn names its own (`spawn --fallback`).
  public var fallback: [String: [String]]

  /// The default wait before falling back to another provider: 10 minutes.
  public static let defaultFallbackAfter: TimeInterval = 600

  /// The settings; the default switches at 0.9 of any window and falls back after 10 minutes.
  public init(
    thresholds: RotationThresholds = .standard, fallbackAfter: TimeInterval = defaultFallbackAfter,
    fallback: [String: [String]] = [:]
  ) {
    self.thresholds = thresholds
    self.fallbackAfter = fallbackAfter
    self.fallback = fallback
  }

  /// The settings in `<home>/config.json`; the defaults when the file or the section is missing.
  ///
  /// - Throws: ``AgentError`` (code ``AgentError/Code/catalog``) naming the file and the field.
  public static func load(home: StateHome) throws(AgentError) -> RotationSettings {
    let path = SchedulingLimits.configFile(home: home)
    guard let data = FileSystem.contents(atPath: path) else { return RotationSettings() }
    return try parse(Array(data), path: path)
  }

  /// Parses the contents of a `config.json` (`path` is only for messages).
  public static func parse(_ bytes: [UInt8], path: String) throws(AgentError) -> RotationSettings {
    func invalid(_ message: String) -> AgentError { AgentError(.catalog, "\(path): \(message)") }
    guard let root = try? JSONParser.parse(bytes), let object = root.objectValue else {
      throw invalid("not a valid JSON object")
    }
    var settings = RotationSettings(fallback: try fallbackMap(object["fallback"], invalid))
    guard let section = object["rotation"], !section.isNull else { return settings }
    guard let rotation = section.objectValue else { throw invalid("\"rotation\" must be an object") }
    for key in rotation.keys where !["switchAt", "fallbackAfter"].contains(key) {
      throw invalid("unknown field \"rotation.\(key)\" (expected switchAt, fallbackAfter)")
    }
    if let value = rotation["fallbackAfter"], !value.isNull {
      guard let seconds = duration(value) else {
        throw invalid(
          "\"rotation.fallbackAfter\" must be seconds (a number of at least 0) or a duration like \"10m\"")
      }
      settings.fallbackAfter = seconds
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
    settings.thresholds = thresholds
    return settings
  }

  /// The `fallback` map: provider name → array of provider names.
  private static func fallbackMap(_ value: JSONValue?, _ invalid: (String) -> AgentError) throws(AgentError)
    -> [String: [String]]
  {
    guard let value, !value.isNull else { return [:] }
    guard let members = value.objectValue else {
      throw invalid("\"fallback\" must be an object of provider names to arrays of provider names")
    }
    var map: [String: [String]] = [:]
    for (provider, list) in zip(members.keys, members.values) {
      guard let names = list.arrayValue?.compactMap(\.stringValue),
        names.count == list.arrayValue?.count, !names.contains("")
      else {
        throw invalid("\"fallback.\(provider)\" must be an array of provider names, e.g. [\"codex\"]")
      }
      map[provider] = names
    }
    return map
  }

  /// Seconds from a number, or from a string `N`, `Ns`, `Nm`, `Nh` (`nil` when it is neither).
  static func duration(_ value: JSONValue) -> TimeInterval? {
    if let number = value.doubleValue { return number >= 0 && number.isFinite ? number : nil }
    guard var text = value.stringValue?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
      return nil
    }
    let units: [Character: TimeInterval] = ["s": 1, "m": 60, "h": 3600]
    var unit: TimeInterval = 1
    if let last = text.last, let seconds = units[last] {
      unit = seconds
      text.removeLast()
    }
    guard let number = Double(text), number >= 0, number.isFinite else { return nil }
    return number * unit
  }
}
