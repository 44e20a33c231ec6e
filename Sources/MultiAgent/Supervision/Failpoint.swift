import Foundation
import ProviderKit
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Named places between two writes where a crash would leave state half-done, so that the fault
/// tests can crash the process exactly there (as `kill -9` would) and check that the next reconcile
/// finishes the work.
///
/// Off unless `MULTIAGENT_FAILPOINTS` names them: `supervisor.launched=exit,answer.committed=exit`.
/// `exit` ends the process at once (no cleanup, no flushing — like SIGKILL), `exit:N` at the Nth hit;
/// `sleep:S` pauses it S seconds. Never set outside tests.
enum Failpoint: String, CaseIterable {
  /// The supervisor started the CLI and has not recorded it yet.
  case supervisorLaunched = "supervisor.launched"
  /// `answer` committed `starting` and has not started the supervisor yet.
  case answerCommitted = "answer.committed"
  /// A command started a detached supervisor and has not recorded it yet.
  case supervisorStarted = "supervisor.started"
  /// A supervisor runs and has not recorded itself as its agent's yet.
  case supervisorRecording = "supervisor.recording"
  /// A supervisor read answers to a held question and has not written them to its CLI yet.
  case liveAnswerRead = "live.answer"
  /// A child's supervisor settled it and has not reported it to its parent yet.
  case childReporting = "child.reporting"
  /// A supervisor started ahead of its spawn (`--early`) runs and has not read the spawn's start
  /// line yet (`sleep:S` lets the spawn send both the line and the word first).
  case earlySupervisorStarted = "supervisor.early"
  /// A new worktree's administrative file is written, the next not yet (`exit:N`: after the Nth
  /// such file of the process).
  case worktreeFileWritten = "worktree.file"

  /// The environment variable that turns failpoints on.
  static let environmentVariable = "MULTIAGENT_FAILPOINTS"

  private static let actions: [String: String] = {
    guard let value = getenv(environmentVariable).map({ String(cString: $0) }) else { return [:] }
    var actions: [String: String] = [:]
    for entry in value.split(separator: ",") {
      let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
      if parts.count == 2 { actions[parts[0]] = parts[1] }
    }
    return actions
  }()

  /// How many times each failpoint was hit in this process (for `exit:N`).
  private static let hits = Mutex<[String: Int]>([:])

  /// Does what the failpoint is set to do, if anything.
  func hit() {
    guard let action = Self.actions[rawValue] else { return }
    if action == "exit" { _exit(137) }
    if action.hasPrefix("exit:"), let count = Int(action.dropFirst("exit:".count)) {
      if Self.hits.withLock({ hits in
        hits[rawValue, default: 0] += 1
        return hits[rawValue] == count
      }) {
        _exit(137)
      }
    }
    if action.hasPrefix("sleep:"), let seconds = Double(action.dropFirst("sleep:".count)) {
      Thread.sleep(forTimeInterval: seconds)
    }
  }
}
