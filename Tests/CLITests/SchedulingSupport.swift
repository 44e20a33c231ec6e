import Foundation
import MultiAgent
import Testing
import TestSupport

extension LifecycleSandbox {
  /// Writes `<home>/config.json`.
  func writeConfig(_ json: String) throws {
    try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
    try json.write(toFile: home + "/config.json", atomically: true, encoding: .utf8)
  }

  /// `list --all --json`, by name.
  func recordsByName() throws -> [String: [String: Any]] {
    var byName: [String: [String: Any]] = [:]
    for record in try records() {
      if let name = record["name"] as? String { byName[name] = record }
    }
    return byName
  }

  /// The names in the order their agents were admitted (`→ starting` events, by event id).
  func admissionOrder(_ names: [String]) throws -> [String] {
    let store = try AgentStore(path: home + "/state.db")
    var admitted: [(Int64, String)] = []
    for name in names {
      let record = try #require(try store.agent(named: name))
      let event = try #require(
        try store.events(agentID: record.id).first { $0.toStatus == .starting }, "\(name) never started")
      admitted.append((event.id, name))
    }
    return admitted.sorted { $0.0 < $1.0 }.map(\.1)
  }

  /// Waits until every agent named is `status`; fails after `timeout`.
  func waitForAll(_ names: [String], _ status: String, timeout: TimeInterval = 60) throws {
    let settled = try eventually(timeout: timeout) {
      let records = try recordsByName()
      return names.allSatisfy { records[$0]?["status"] as? String == status }
    }
    if !settled {
      let statuses = try recordsByName().mapValues { $0["status"] as? String ?? "?" }
      throw CLIRunner.Failure(description: "not all \(status) in \(timeout)s: \(statuses)")
    }
  }
}
