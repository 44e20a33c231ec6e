import Foundation
import ProcessKit
import Synchronization
import TestSupport
import Testing

@testable import MultiAgent

/// Failures the library recovers from reach the embedder's logger instead of vanishing.
@Suite struct RecoveredFailureTests {
  /// Keeps every line it is given.
  final class RecordingLogger: AgentLogger {
    let lines = Mutex<[(AgentLogLevel, String, [String: String])]>([])
    func log(level: AgentLogLevel, message: String, metadata: [String: String]) {
      lines.withLock { $0.append((level, message, metadata)) }
    }
  }

  /// A supervisor that cannot be started is reported, and the repair is given back so that the next
  /// reconcile tries again (no agent is left claimed by a process that will not repair it).
  @Test func aSupervisorThatCannotStartIsReportedAndTheRepairGivenBack() throws {
    let directory = try TemporaryDirectory(prefix: "recovered")
    let logger = RecordingLogger()
    let manager = try AgentManager(
      home: StateHome(path: directory.path("home")),
      supervision: .detached(executable: directory.path("no-such-program"), arguments: []), logger: logger)
    let dead = ProcessIdentity(pid: 999_999, startTime: 1, spawnID: "gone")
    try manager.store.create(
      AgentRecord(id: "w1", name: "waiting", provider: "codex", status: .waitingForAccount, supervisor: dead))

    let report = manager.reconcile()

    #expect(report.adopted.isEmpty)
    #expect(try manager.store.agent(id: "w1")?.supervisor == dead)
    let warnings = logger.lines.withLock { $0.filter { $0.0 == .warning } }
    #expect(
      warnings.contains { $0.1.contains("cannot replace the dead supervisor") && $0.2["agent"] == "w1" })
    #expect(warnings.contains { $0.2["error"]?.contains("no-such-program") == true })
  }

  @Test func logLevelsParseByNameAndOrderBySeverity() throws {
    #expect(AgentLogLevel(name: "WARNING") == .warning && AgentLogLevel(name: "loud") == nil)
    #expect(AgentLogLevel.debug < .error)
  }
}
