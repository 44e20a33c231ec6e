import Credentials
import Foundation
import ProcessKit
import ProviderKit

/// The supervision of one agent as an explicit state machine. Each step does one thing and names
/// the next:
///
/// ```
/// chooseAccount ─► launch ─► follow ─► settle ─► finished
///      ▲   │                              │
///      │   └─► waitForAccount ◄───────────┤ (usage limit, every account exhausted)
///      ├──────────────────────────────────┘ (usage limit: continue on the next account)
///      └── switchProvider ◄── (the provider cannot go on and the agent has a fallback)
/// ```
///
/// An adopted agent (its supervisor died while the CLI ran) starts at `follow`.
struct SupervisionLoop {
  /// Where the loop is.
  enum Step {
    /// Choose (and prepare) the account for the next run; move the session when it changes.
    case chooseAccount(RunPlan)
    /// Start the CLI for the plan, with the account's credentials (none without accounts).
    case launch(RunPlan, PreparedCredentials?)
    /// Follow a running CLI until it exits.
    case follow(CLIRun.Running, RunPlan?)
    /// The CLI exited: settle the agent, or continue after a usage limit.
    case settle(CLIRun.Ending, RunPlan?)
    /// Every account is exhausted: wait for one to free up, then choose again.
    case waitForAccount(RunPlan, until: Date?, reason: String)
    /// The provider cannot go on: continue on the agent's next fallback provider.
    case switchProvider(RunPlan?, reason: String)
    /// The agent settled (or was settled by someone else) in this status.
    case finished(AgentStatus)
  }

  let home: StateHome
  let agentID: String
  let store: AgentStore
  let paths: AgentPaths
  let logger: any AgentLogger
  let fallback: ProviderFallback
  let startQueued: @Sendable () -> Void
  /// The agent's provider: another one after a switch.
  private(set) var provider: any AgentProvider
  private(set) var failover: AccountFailover
  private var cli: CLIRun

  init(
    home: StateHome, agentID: String, store: AgentStore, provider: any AgentProvider,
    registry: ProviderRegistry, logger: any AgentLogger, startQueued: @escaping @Sendable () -> Void
  ) {
    self.home = home
    self.agentID = agentID
    self.store = store
    self.provider = provider
    self.paths = AgentPaths(home: home, id: agentID)
    self.logger = logger
    self.startQueued = startQueued
    fallback = ProviderFallback(
      home: home, agentID: agentID, store: store, registry: registry, logger: logger)
    failover = AccountFailover(
      home: home, agentID: agentID, store: store, provider: provider, logger: logger, startQueued: startQueued
    )
    cli = CLIRun(
      home: home, agentID: agentID, store: store, provider: provider, failover: failover, logger: logger)
  }

  /// Runs the steps until the agent settles.
  ///
  /// - Parameter adopt: follow the CLI already recorded instead of starting one.
  /// - Returns: the status it settled in.
  mutating func run(adopt: Bool) throws -> AgentStatus {
    var step = try firstStep(adopt: adopt)
    while true {
      logger.debug("step: \(step.name)", agent: agentID)
      switch step {
      case .finished(let status):
        return status
      case .chooseAccount(let plan):
        step = try chooseAccount(plan)
      case .launch(let plan, let credentials):
        step = try launch(plan, credentials)
      case .follow(let running, let plan):
        step = .settle(try cli.follow(running), plan)
      case .settle(let ending, let plan):
        step = try settleRetrying(ending, plan)
      case .waitForAccount(let plan, let until, let reason):
        try failover.waitForAccount(until: until, reason: reason)
        step = .chooseAccount(plan)
      case .switchProvider(let plan, let reason):
        step = try switchProvider(plan, reason: reason)
      }
    }
  }

  /// The agent's record, read again while the store cannot answer (``StoreRetry/record(of:in:logger:)``).
  private func readRecord() throws -> AgentRecord? {
    try StoreRetry.record(of: agentID, in: store, logger: logger)
  }

  private func firstStep(adopt: Bool) throws -> Step {
    let plan = try? RunPlan.read(from: paths.runPlan)
    if adopt {
      guard let record = try readRecord(), let running = record.cli else {
        return .finished(try fail("nothing to adopt: no CLI was recorded"))
      }
      return .follow(
        CLIRun.Running(identity: running, isChild: false, expectedSession: nil, account: record.account), plan
      )
    }
    guard let plan else { return .finished(try fail("cannot read the run plan \(paths.runPlan)")) }
    return .chooseAccount(plan)
  }

  private func chooseAccount(_ plan: RunPlan) throws -> Step {
    guard let record = try readRecord() else { return .finished(.failed) }
    if record.status.isTerminal { return .finished(record.status) }
    var plan = plan
    switch try account(for: record, plan: &plan) {
    case .noAccounts: return .launch(plan, nil)
    case .ready(let credentials): return .launch(plan, credentials)
    case .wait(let until, let reason):
      if fallback.next(after: record) != nil,
        until.map({ $0.timeIntervalSinceNow > fallback.fallbackAfter }) ?? true
      {
        let when = until.map { "until \($0.ISO8601Format())" } ?? "with no reset time"
        return .switchProvider(plan, reason: "every \(provider.name) account is exhausted \(when)")
      }
      return .waitForAccount(plan, until: until, reason: reason)
    case .unusable(let reason):
      let message = "no usable \(provider.name) account: \(reason)"
      if fallback.next(after: record) != nil { return .switchProvider(plan, reason: message) }
      return .finished(try fail(message))
    }
  }

  /// The account for the next run.
  enum AccountChoice {
    case noAccounts
    case ready(PreparedCredentials)
    case wait(until: Date?, reason: String)
    case unusable(String)
  }

  /// Picks the account for the next run; when it differs from the last one, moves the session over.
  private func account(for record: AgentRecord, plan: inout RunPlan) throws -> AccountChoice {
    guard failover.accounts.hasAccounts(provider: provider.name) else { return .noAccounts }
    let now = Date()
    var excluded: Set<String> = []
    var lastFailure: String?
    let pinned = record.accountPinned ? record.account : nil
    while true {
      let account: Account
      do {
        guard
          let chosen = try failover.accounts.select(
            provider: provider.name, current: record.account, pinned: pinned, excluding: excluded, now: now)
        else { return .noAccounts }
        account = chosen
      } catch let error where error.code == .allExhausted {
        // Every account left was excluded because its credentials failed: waiting will not help.
        if let lastFailure { return .unusable(lastFailure) }
        return .wait(until: error.earliestReset, reason: error.message)
      } catch {
        return .unusable(lastFailure ?? error.message)
      }
      let prepared: PreparedCredentials
      do { prepared = try failover.accounts.prepare(account, provider: provider.definition, now: now) } catch
      {
        // A refresh that failed marks the account; the next one is tried (never the pinned one again).
        failover.note(event: "account_error", error.message)
        if pinned != nil { return .unusable(error.message) }
        excluded.insert(account.id)
        lastFailure = error.message
        continue
      }
      // A first account for a fresh spawn has no session to move.
      if account.id != record.account && (record.account != nil || plan.kind == .resume) {
        do { try failover.moveSession(to: account, prepared: prepared, record: record, plan: &plan) } catch {
          return .unusable("\(error)")
        }
      } else if account.id == record.account {
        failover.moveLegacySession(of: account, prepared: prepared, plan: plan)
      }
      try failover.recordAccount(account.id)
      return .ready(prepared)
    }
  }

  private mutating func launch(_ plan: RunPlan, _ credentials: PreparedCredentials?) throws -> Step {
    switch try cli.launch(plan, credentials: credentials) {
    case .started(let running): return .follow(running, plan)
    case .failed(let message):
      if let record = try readRecord(), !record.status.isTerminal,
        fallback.next(after: record) != nil
      {
        return .switchProvider(plan, reason: message)
      }
      return .finished(try fail(message))
    case .settledMeanwhile(let ending?): return .settle(ending, nil)
    case .settledMeanwhile(nil): return .finished(try readRecord()?.status ?? .failed)
    }
  }

  /// Settles, retried as a whole while the store cannot take it (``StoreRetry``). The status the
  /// first attempt finds is the compare-and-set key of every attempt: an attempt whose reply was
  /// lost after it committed leaves the agent settled, which a retry finds and leaves alone (no
  /// second event), and a change someone made meanwhile (an answer) is never settled over.
  private func settleRetrying(_ ending: CLIRun.Ending, _ plan: RunPlan?) throws -> Step {
    var settling: AgentStatus?
    return try StoreRetry.untilWritten(agentID: agentID, logger: logger) {
      if settling == nil { settling = try store.status(id: agentID) }
      return try settle(ending, plan, from: settling)
    }
  }

  private func settle(_ ending: CLIRun.Ending, _ plan: RunPlan?, from settling: AgentStatus?) throws -> Step {
    if let step = try settleHeldQuestion(ending) { return step }
    if let mismatch = ending.sessionMismatch {
      return .finished(try Self.fail(store: store, id: agentID, mismatch, from: settling))
    }
    if let exhaustion = ending.exhaustion, let record = try store.agent(id: agentID) {
      if let next = try failover.continuation(after: exhaustion, record, plan) { return .chooseAccount(next) }
      // The user's own login (no accounts) hit its limit: nothing to rotate to but the fallback.
      if record.account == nil, !record.status.isTerminal, fallback.next(after: record) != nil,
        (try? AgentSignal.read(at: paths.signalFile)) == nil
      {
        return .switchProvider(plan, reason: "usage limit reached: \(exhaustion.message)")
      }
    }
    // A CLI that exited 0 did not fail to log in: the record is read only for one that failed.
    if ending.exit != .exited(0), let record = try store.agent(id: agentID), let error = record.error,
      LoginFailure.matches(error), !record.status.isTerminal, fallback.next(after: record) != nil,
      (try? AgentSignal.read(at: paths.signalFile)) == nil
    {
      return .switchProvider(plan, reason: "its login was refused: \(error.prefix(200))")
    }
    // A report a child's supervisor did not make (killed in between) is made now, and delivered.
    ChildReport(home: home, store: store, logger: logger).reportUnreported(childrenOf: agentID)
    if let next = try continuation(withMessagesAfter: ending) { return .chooseAccount(next) }
    if let step = try awaitReports(after: ending) { return step }
    return .finished(
      try Self.settle(store: store, id: agentID, exit: ending.exit, paths: paths, from: settling))
  }

  /// A live run that ended while the agent waits for input (its held question let go, or the CLI
  /// gone while holding it): the agent keeps waiting, answerable by resume — or, answered while the
  /// CLI was ending its turn (`starting`, with a run plan), this supervisor runs that resume.
  private func settleHeldQuestion(_ ending: CLIRun.Ending) throws -> Step? {
    guard FileSystem.exists(paths.heldQuestion) || ending.releasedQuestion else { return nil }
    var next: Step?
    var taken = false
    try store.update(id: agentID) { record in
      switch record.status {
      case .waitingForInput: next = .finished(.waitingForInput)
      case .starting: next = (try? RunPlan.read(from: paths.runPlan)).map { .chooseAccount($0) }
      case .running:
        // Answered, and the CLI gone before the answers reached it: they resume the session.
        guard let prompt = LiveSession.readResumePrompt(at: paths.liveAnswer), let session = record.sessionID
        else { return }
        let plan = RunPlan(kind: .resume, prompt: prompt, sessionID: session)
        try plan.write(to: paths.runPlan)
        next = .chooseAccount(plan)
      default: return
      }
      Self.recordExit(ending.exit, into: &record)
      taken = true
    }
    // Removed once the write is known to have committed: a retry (after a reply lost with the
    // connection) must find them to take the same way.
    if taken {
      unlink(paths.heldQuestion)
      unlink(paths.liveAnswer)
    }
    return next
  }

  /// Continues on the next fallback provider: the switch is recorded, then the loop carries on with
  /// that provider's accounts, CLI and parser.
  private mutating func switchProvider(_ plan: RunPlan?, reason: String) throws -> Step {
    guard let record = try readRecord() else { return .finished(.failed) }
    if record.status.isTerminal { return .finished(record.status) }
    guard let next = fallback.next(after: record) else { return .finished(try fail(reason)) }
    let switched = try fallback.switchProvider(from: provider, to: next, reason: reason, plan: plan)
    provider = next
    failover = AccountFailover(
      home: home, agentID: agentID, store: store, provider: next, logger: logger, startQueued: startQueued)
    cli = CLIRun(
      home: home, agentID: agentID, store: store, provider: next, failover: failover, logger: logger)
    return .chooseAccount(switched)
  }

  /// Settles the agent after its CLI exited (`exit` is `nil` when nobody saw how) from the signal
  /// file and what its output said (see `Settlement`). Used by reconcile too.
  ///
  /// - Parameter settling: the status the agent is settled from, when known (a retried settlement
  ///   passes what its first attempt found); any status a supervisor owns otherwise.
  static func settle(
    store: AgentStore, id: String, exit: ExitStatus?, paths: AgentPaths, from settling: AgentStatus? = nil
  ) throws -> AgentStatus {
    let signal = Result { () throws(SignalError) in try AgentSignal.read(at: paths.signalFile) }
    guard let record = try store.agent(id: id) else { return .failed }
    let decision = Settlement.settle(record, exit: exit, signal: signal)
    let change = StatusChange.settle(to: decision.status).only(from: settling)
    let transition = try store.transition(id: id, change, message: decision.message) {
      record in
      record.result = decision.result
      record.error = decision.error
      record.pendingQuestions = decision.questions
      recordExit(exit, into: &record)
    }
    if !transition.applied {
      // Already settled (e.g. stopped by the user, or by this very settlement whose reply was lost):
      // keep its status, record how the CLI ended (a no-op when it is recorded).
      try store.update(id: id) { recordExit(exit, into: &$0) }
    }
    return try store.agent(id: id)?.status ?? decision.status
  }

  private static func recordExit(_ exit: ExitStatus?, into record: inout AgentRecord) {
    switch exit {
    case .exited(let code)?: record.exitCode = code
    case .signaled(let number)?: record.exitSignal = number
    case nil: break
    }
  }

  /// Fails the agent (when a supervisor still owns it) with `message`.
  private func fail(_ message: String) throws -> AgentStatus {
    try Self.fail(store: store, id: agentID, message)
  }

  /// Fails agent `id` with `message` when it is starting, running or waiting for an account; the
  /// one way a supervisor gives up.
  ///
  /// - Parameter settling: the status to fail it from, when known (a retried settlement's key).
  /// - Returns: its status after (another one when someone settled it first).
  static func fail(store: AgentStore, id: String, _ message: String, from settling: AgentStatus? = nil) throws
    -> AgentStatus
  {
    try store.transition(id: id, StatusChange.fail.only(from: settling), message: message) {
      $0.error = message
    }
    return try store.agent(id: id)?.status ?? .failed
  }
}

extension SupervisionLoop.Step {
  /// The step's name, for the log.
  var name: String {
    switch self {
    case .chooseAccount: "choose account"
    case .launch: "launch"
    case .follow(let running, _):
      running.isChild ? "follow pid \(running.identity.pid)" : "adopt pid \(running.identity.pid)"
    case .settle: "settle"
    case .waitForAccount: "wait for account"
    case .switchProvider: "switch provider"
    case .finished(let status): "finished (\(status.rawValue))"
    }
  }
}
