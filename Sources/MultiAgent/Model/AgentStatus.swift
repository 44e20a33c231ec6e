/// Where an agent is in its life.
///
/// `queued → starting → running → {waiting_for_input | completed | failed | stopped | crashed |
/// waiting_for_account}`; `waiting_for_input → running` (answered); `waiting_for_account → running`
/// (an account freed up). The raw values are the names used in the database and in `--json` output.
public enum AgentStatus: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
  /// Waiting for a free slot (global, provider or account limit).
  case queued
  /// Its worktree and supervisor are being set up.
  case starting
  /// The provider CLI is running.
  case running
  /// It stopped with questions; `answer` resumes it.
  case waitingForInput = "waiting_for_input"
  /// Every account of its provider is exhausted; it resumes when one resets.
  case waitingForAccount = "waiting_for_account"
  /// It finished its task (its result is kept).
  case completed
  /// It reported an error, or its CLI failed.
  case failed
  /// A user (or its parent) stopped it.
  case stopped
  /// Its supervisor or CLI died without settling it.
  case crashed

  /// Whether the agent is done for good: completed, failed, stopped or crashed.
  public var isTerminal: Bool {
    switch self {
    case .completed, .failed, .stopped, .crashed: true
    case .queued, .starting, .running, .waitingForInput, .waitingForAccount: false
    }
  }

  /// The raw value (`waiting_for_input`, …).
  public var description: String { rawValue }
}
