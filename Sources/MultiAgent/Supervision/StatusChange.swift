/// A change of an agent's status, named for why it happens: the statuses it may start from (a
/// compare-and-set in the store) and the status it leads to.
///
/// Every status write goes through ``AgentStore/transition(id:_:message:data:_:)`` (or the
/// lower-level ``AgentStore/transition(id:from:to:message:data:_:)``), and the store refuses any
/// pair that ``AgentStatus/legalTransitions`` does not list: this is the status machine, in one
/// place.
public struct StatusChange: Sendable, Hashable, CustomStringConvertible {
  /// Why the status changes (`admit`, `answer`, `launch`, …), for messages and tests.
  public let name: String
  /// The statuses the agent may be in for the change to apply.
  public let from: Set<AgentStatus>
  /// The status it leads to.
  public let to: AgentStatus

  init(_ name: String, from: Set<AgentStatus>, to: AgentStatus) {
    self.name = name
    self.from = from
    self.to = to
  }

  /// `name: a, b → c`.
  public var description: String {
    "\(name): \(from.map(\.rawValue).sorted().joined(separator: ", ")) → \(to.rawValue)"
  }

  /// The statuses in which a supervisor owns the agent (it may launch, settle or fail it).
  static let supervised: Set<AgentStatus> = [.starting, .running, .waitingForAccount]
  /// The statuses of agents still alive.
  static let live: Set<AgentStatus> = Set(AgentStatus.allCases.filter { !$0.isTerminal })

  /// A queued agent gets a slot.
  public static let admit = StatusChange("admit", from: [.queued], to: .starting)
  /// A waiting agent got its answers; its supervisor resumes the session.
  public static let answer = StatusChange("answer", from: [.waitingForInput], to: .starting)
  /// The live CLI asked questions and waits for them (the supervisor holds them open).
  public static let holdQuestion = StatusChange("hold_question", from: [.running], to: .waitingForInput)
  /// The user answered a held question: the answers go into the same turn of the running CLI.
  public static let answerHeld = StatusChange("answer_held", from: [.waitingForInput], to: .running)
  /// A finished agent got a message (`send`): its session resumes with it as a new turn.
  public static let followUp = StatusChange(
    "follow_up", from: [.completed, .failed, .stopped, .crashed], to: .starting)
  /// The supervisor started the CLI.
  public static let launch = StatusChange("launch", from: supervised, to: .running)
  /// Every account is exhausted: the supervisor waits for the earliest reset.
  public static let waitForAccount = StatusChange(
    "wait_for_account", from: supervised, to: .waitingForAccount)
  /// The supervisor cannot go on (no provider, no usable account, a session that cannot resume, …).
  public static let fail = StatusChange("fail", from: supervised, to: .failed)
  /// A user, or a parent's cascade, stopped the agent.
  public static let stop = StatusChange("stop", from: live, to: .stopped)
  /// An agent that was being started has nobody to start it (its supervisor could not start, or died
  /// before starting the CLI).
  public static let crashBeforeStart = StatusChange("crash_before_start", from: [.starting], to: .crashed)
  /// The agent's worktree vanished: nothing can run there any more.
  public static let worktreeVanished = StatusChange(
    "worktree_vanished", from: [.starting, .running, .waitingForInput], to: .crashed)

  /// A run ended and `Settlement` decided `status` (completed, failed, crashed, waiting for input).
  public static func settle(to status: AgentStatus) -> StatusChange {
    StatusChange("settle", from: supervised, to: status)
  }

  /// This change, applying only from `status` (when it is one of ``from``; from none otherwise):
  /// the compare-and-set key of a change that is retried, so that a retry after the first attempt
  /// applied (or after someone else changed the status) does not apply it again. `nil`: unchanged.
  func only(from status: AgentStatus?) -> StatusChange {
    guard let status else { return self }
    return StatusChange(name, from: from.intersection([status]), to: to)
  }

  /// Every named change, for the tests that hold them to the table.
  public static var all: [StatusChange] {
    [
      admit, answer, holdQuestion, answerHeld, followUp, launch, waitForAccount, fail, stop, crashBeforeStart,
      worktreeVanished,
    ]
      + [AgentStatus.completed, .failed, .crashed, .waitingForInput].map(settle(to:))
  }
}

extension AgentStatus {
  /// The status machine: for each status, the statuses it may change to. A terminal status changes
  /// only when a message resumes the agent's session (`send`); staying in the same status is not a
  /// change and is always allowed.
  ///
  /// `queued → starting → running → {waiting_for_input | waiting_for_account | completed | failed |
  /// stopped | crashed}`; `waiting_for_input → starting` (answered); `waiting_for_input → running`
  /// (a held question answered into the running CLI); `waiting_for_account → running` (an account
  /// freed up); any live status → `stopped`; a finished one → `starting` (a message resumes it).
  public static let legalTransitions: [AgentStatus: Set<AgentStatus>] = [
    .queued: [.starting, .stopped],
    .starting: [.running, .waitingForInput, .waitingForAccount, .completed, .failed, .stopped, .crashed],
    .running: [.waitingForInput, .waitingForAccount, .completed, .failed, .stopped, .crashed],
    .waitingForAccount: [.running, .waitingForInput, .completed, .failed, .stopped, .crashed],
    .waitingForInput: [.starting, .running, .stopped, .crashed],
    .completed: [.starting], .failed: [.starting], .stopped: [.starting], .crashed: [.starting],
  ]

  /// Whether an agent in this status may change to `next` (staying put always may).
  public func canChange(to next: AgentStatus) -> Bool {
    next == self || Self.legalTransitions[self, default: []].contains(next)
  }
}
