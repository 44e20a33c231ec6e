import ProcessKit
import ProviderKit

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// Everything multiagent keeps about one agent: one row of the `agents` table, and the `--json`
/// output of `show` and `list`.
///
/// JSON keys are snake_case; times are ISO-8601 text in UTC with milliseconds; absent values are
/// written as `null`, so every key is always present.
public struct AgentRecord: Sendable, Hashable, Codable, Identifiable {
  /// A stable, unique id (used in paths: `<home>/agents/<id>/`).
  public var id: String
  /// The unique name the user sees and types (unique ignoring ASCII case).
  public var name: String
  /// The provider id (`claude`, `codex`, …).
  public var provider: String
  /// The label of the account it runs under, once chosen.
  public var account: String?
  /// The model requested, if any.
  public var model: String?
  /// An external task id the caller attached, if any.
  public var taskID: String?
  /// The id of the agent that spawned it, if any.
  public var parentID: String?
  /// Where it is in its life.
  public var status: AgentStatus
  /// The provider's session (conversation) id, once the CLI printed it.
  public var sessionID: String?
  /// The first line or so of its prompt, for listings (the full prompt is in `prompt.md`).
  public var promptSummary: String?
  /// The directory `spawn` ran from.
  public var cwd: String?
  /// Its git worktree, if it has one.
  public var worktreePath: String?
  /// Its branch, if it has one.
  public var branch: String?
  /// The ref its branch started from.
  public var baseRef: String?
  /// Whether multiagent created the worktree (delete removes only what multiagent created).
  public var createdWorktree: Bool
  /// Whether multiagent created the branch (delete removes only what multiagent created).
  public var createdBranch: Bool
  /// Extra arguments for the provider CLI, passed through as given.
  public var extraArguments: [String]
  /// Its supervisor process, while one is (or was last) running (see `ProcessIdentity`).
  public var supervisor: ProcessIdentity?
  /// Its provider CLI process, while one is (or was last) running.
  public var cli: ProcessIdentity?
  /// The CLI's exit status, once it exited normally.
  public var exitCode: Int32?
  /// The signal that ended the CLI, if one did.
  public var exitSignal: Int32?
  /// How many bytes of `output.log` have been parsed into events so far.
  public var parseOffset: Int64
  /// The questions it is waiting on (empty unless waiting for input).
  public var pendingQuestions: [PendingQuestion]
  /// Its final result, once completed.
  public var result: String?
  /// What went wrong, once failed or crashed.
  public var error: String?
  /// When it was created.
  public var createdAt: Date
  /// When the record last changed (set by the store on every write).
  public var updatedAt: Date
  /// When it first became running.
  public var startedAt: Date?
  /// When it reached a terminal status.
  public var finishedAt: Date?
  /// When the user dismissed it (hidden from `list` unless `--all`).
  public var dismissedAt: Date?
  /// Whether the user pinned ``account`` (`spawn --account` without `--rotate`): no rotation then.
  public var accountPinned: Bool
  /// Whether it keeps running when its parent completes or fails (`spawn --detach-from-parent`);
  /// stopping or deleting the parent still stops or deletes it.
  public var detachedFromParent: Bool
  /// The providers it continues on, in order, when its own cannot go on (every account exhausted
  /// past `rotation.fallbackAfter`, the CLI missing, the login invalid): `spawn --fallback`, or the
  /// `fallback` map of `<home>/config.json` at spawn. Empty: none.
  public var fallback: [String]
  /// Whether it reports to its parent when it settles (a message into the parent's session; on by
  /// default for children spawned from inside an agent, off with `spawn --no-report`).
  public var reportsToParent: Bool
  /// The machine whose processes and files run it (see ``MachineID``): set wherever a supervisor is
  /// recorded. Its ``supervisor`` and ``cli`` are processes of that machine, and only a manager on
  /// it checks, repairs, stops or resumes them; elsewhere the agent is only read. `nil` (an agent
  /// recorded before machines were kept, or never supervised yet) means the machine reading it.
  public var machine: String?

  /// Creates a record; everything not given is empty.
  public init(
    id: String = AgentRecord.newID(), name: String, provider: String, account: String? = nil,
    model: String? = nil, taskID: String? = nil, parentID: String? = nil, status: AgentStatus = .starting,
    sessionID: String? = nil, promptSummary: String? = nil, cwd: String? = nil, worktreePath: String? = nil,
    branch: String? = nil, baseRef: String? = nil, createdWorktree: Bool = false, createdBranch: Bool = false,
    extraArguments: [String] = [], supervisor: ProcessIdentity? = nil, cli: ProcessIdentity? = nil,
    exitCode: Int32? = nil, exitSignal: Int32? = nil, parseOffset: Int64 = 0,
    pendingQuestions: [PendingQuestion] = [], result: String? = nil, error: String? = nil,
    createdAt: Date = Date(), updatedAt: Date? = nil, startedAt: Date? = nil, finishedAt: Date? = nil,
    dismissedAt: Date? = nil, accountPinned: Bool = false, detachedFromParent: Bool = false,
    fallback: [String] = [], reportsToParent: Bool = false, machine: String? = nil
  ) {
    self.machine = machine
    self.fallback = fallback
    self.reportsToParent = reportsToParent
    self.accountPinned = accountPinned
    self.detachedFromParent = detachedFromParent
    self.id = id
    self.name = name
    self.provider = provider
    self.account = account
    self.model = model
    self.taskID = taskID
    self.parentID = parentID
    self.status = status
    self.sessionID = sessionID
    self.promptSummary = promptSummary
    self.cwd = cwd
    self.worktreePath = worktreePath
    self.branch = branch
    self.baseRef = baseRef
    self.createdWorktree = createdWorktree
    self.createdBranch = createdBranch
    self.extraArguments = extraArguments
    self.supervisor = supervisor
    self.cli = cli
    self.exitCode = exitCode
    self.exitSignal = exitSignal
    self.parseOffset = parseOffset
    self.pendingQuestions = pendingQuestions
    self.result = result
    self.error = error
    self.createdAt = createdAt
    self.updatedAt = updatedAt ?? createdAt
    self.startedAt = startedAt
    self.finishedAt = finishedAt
    self.dismissedAt = dismissedAt
  }

  /// Whether the user dismissed it.
  public var isDismissed: Bool { dismissedAt != nil }

  /// A new random id: 16 lowercase hex digits (64 random bits).
  public static func newID() -> String {
    var generator = SystemRandomNumberGenerator()
    let value = generator.next() as UInt64
    let hex = String(value, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
  }
}
