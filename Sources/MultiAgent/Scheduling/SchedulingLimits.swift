import Foundation
import JSONKit
import ProviderKit

/// How many agents may hold a slot at once: globally, per provider and per account.
///
/// Read from `<home>/config.json`:
///
/// ```json
/// {"limits": {"maxRunning": 2, "perProvider": {"claude": 1}, "perAccount": {"<account id>": 1}}}
/// ```
///
/// An agent holds a slot while it is `starting` or `running`. An agent that is
/// `waiting_for_input` or `waiting_for_account` holds none: it is idle, and a queued agent (perhaps
/// on another provider or account) may use the slot meanwhile. Resuming such an agent (an answer,
/// or an account freeing up) is not held back by the limits, so the count may briefly exceed them.
/// A spawn over a limit is recorded as `queued` and started, in FIFO order, when a slot frees.
public struct SchedulingLimits: Sendable, Hashable {
  /// The most agents holding a slot at once (no limit when nil).
  public var maxRunning: Int?
  /// The most agents of each provider holding a slot at once.
  public var perProvider: [String: Int]
  /// The most agents on each account (by account id) holding a slot at once.
  public var perAccount: [String: Int]

  /// Limits; the default has none.
  public init(maxRunning: Int? = nil, perProvider: [String: Int] = [:], perAccount: [String: Int] = [:]) {
    self.maxRunning = maxRunning
    self.perProvider = perProvider
    self.perAccount = perAccount
  }

  /// Whether no limit is set at all (then every spawn starts at once).
  public var isUnlimited: Bool { maxRunning == nil && perProvider.isEmpty && perAccount.isEmpty }

  /// The file the limits are read from: `<home>/config.json`.
  public static func configFile(home: StateHome) -> String { home.path + "/config.json" }

  /// The limits in `<home>/config.json`; none when the file does not exist.
  ///
  /// - Throws: ``AgentError`` (code ``AgentError/Code/catalog``) naming the file and the field
  ///   when the file is not valid.
  public static func load(home: StateHome) throws(AgentError) -> SchedulingLimits {
    let path = configFile(home: home)
    guard let data = FileSystem.contents(atPath: path) else {
      if FileManager.default.fileExists(atPath: path) {
        throw AgentError(.catalog, "\(path): cannot read the file")
      }
      return SchedulingLimits()
    }
    return try parse(Array(data), path: path)
  }

  /// Parses the contents of a `config.json` (`path` is only for messages).
  ///
  /// - Throws: ``AgentError`` naming `path` and the field at fault.
  public static func parse(_ bytes: [UInt8], path: String) throws(AgentError) -> SchedulingLimits {
    func invalid(_ message: String) -> AgentError { AgentError(.catalog, "\(path): \(message)") }
    let root: JSONValue
    do { root = try JSONParser.parse(bytes) } catch { throw invalid("not valid JSON (\(error))") }
    guard let object = root.objectValue else { throw invalid("the top level must be a JSON object") }
    guard let limitsValue = object["limits"], !limitsValue.isNull else { return SchedulingLimits() }
    guard let limits = limitsValue.objectValue else { throw invalid("\"limits\" must be an object") }
    var result = SchedulingLimits()
    for key in limits.keys where !["maxRunning", "perProvider", "perAccount"].contains(key) {
      throw invalid("unknown field \"limits.\(key)\" (expected maxRunning, perProvider, perAccount)")
    }
    func count(_ value: JSONValue, _ field: String) throws(AgentError) -> Int {
      guard let number = value.intValue, number >= 1 else {
        throw invalid("\"\(field)\" must be a whole number of at least 1")
      }
      return number
    }
    func table(_ field: String) throws(AgentError) -> [String: Int] {
      guard let value = limits[field], !value.isNull else { return [:] }
      guard let members = value.objectValue else {
        throw invalid("\"limits.\(field)\" must be an object of names to numbers")
      }
      var table: [String: Int] = [:]
      for (key, value) in zip(members.keys, members.values) {
        table[key] = try count(value, "limits.\(field).\(key)")
      }
      return table
    }
    if let value = limits["maxRunning"], !value.isNull {
      result.maxRunning = try count(value, "limits.maxRunning")
    }
    result.perProvider = try table("perProvider")
    result.perAccount = try table("perAccount")
    return result
  }

  /// Whether `candidate` may take a slot while `holding` hold theirs.
  ///
  /// - Parameter maxRunning: the global limit to use instead of ``maxRunning`` (`spawn --max-running`).
  public func fits(_ candidate: AgentRecord, holding: [AgentRecord], maxRunning override: Int? = nil) -> Bool
  {
    if let limit = override ?? maxRunning, holding.count >= limit { return false }
    if let limit = perProvider[candidate.provider],
      holding.count(where: { $0.provider == candidate.provider }) >= limit
    {
      return false
    }
    if let account = candidate.account, let limit = perAccount[account],
      holding.count(where: { $0.account == account }) >= limit
    {
      return false
    }
    return true
  }
}
