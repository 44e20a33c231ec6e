import Credentials
import Foundation
import ProviderKit

#if canImport(Glibc)
  import Glibc
#endif

/// Account failover for one supervised agent, in one place: parking an account that hit its usage
/// limit (once per limit), the plan that continues the session, moving the session to the next
/// account, and waiting when every account is exhausted. (Which account a run gets is the
/// `SupervisionLoop`'s first step.)
struct AccountFailover: Sendable {
  let home: StateHome
  let agentID: String
  let store: AgentStore
  let provider: any AgentProvider
  let accounts: AccountBroker
  let paths: AgentPaths
  let logger: any AgentLogger
  /// Lets the queue move while this agent holds no slot (waiting for an account).
  let startQueued: @Sendable () -> Void

  init(
    home: StateHome, agentID: String, store: AgentStore, provider: any AgentProvider, logger: any AgentLogger,
    startQueued: @escaping @Sendable () -> Void
  ) {
    self.home = home
    self.agentID = agentID
    self.store = store
    self.provider = provider
    self.accounts = AccountBroker(home: home, sharing: store, logger: logger)
    self.paths = AgentPaths(home: home, id: agentID)
    self.logger = logger
    self.startQueued = startQueued
  }

  func moveSession(
    to account: Account, prepared: PreparedCredentials, record: AgentRecord, plan: inout RunPlan
  ) throws {
    let previous = record.account.flatMap { accounts.account(id: $0) }
    var from =
      previous.map { AccountFiles.sessionDirectory(of: $0, provider: provider.definition) }
      ?? accounts.userConfigDirectory(for: provider.definition)
    if let previous, let session = plan.sessionID, let shared = from,
      SessionPorter.transcripts(sessionID: session, provider: provider.definition, in: shared).isEmpty
    {
      // A session an earlier version kept in the account's own config dir.
      from = previous.configDirectory
    }
    if let previous {
      noteInLog(
        "[multiagent] account \(previous.label) (\(previous.id)) is parked; continuing on account "
          + "\(account.label) (\(account.id))")
    }
    guard plan.kind == .resume, let session = plan.sessionID, let from else {
      if previous != nil {
        note(event: "account_switched", "continuing on account \(account.label) (\(account.id))")
      }
      return
    }
    if from == prepared.configDirectory {
      // Both accounts run with the one config dir their provider's accounts share.
      note(
        event: "account_switched",
        "continuing session \(session) on account \(account.label) (\(account.id)); its config dir is shared, "
          + "nothing to move")
      return
    }
    do {
      try accounts.port(
        sessionID: session, provider: provider.definition, from: from, to: prepared.configDirectory)
      note(
        event: "account_switched",
        "session \(session) moved from \(previous.map { "account \($0.label) (\($0.id))" } ?? "the default config dir") "
          + "to account \(account.label) (\(account.id))")
    } catch {
      // A conversation with turns that cannot move must not silently restart on the new account.
      guard plan.firstTurn else {
        throw AgentError(
          .invalidState,
          "session \(session) cannot move to account \(account.label): \(error.message); answer again once "
            + "account \(previous?.label ?? "the previous account") is usable, or pin the agent to one account"
        )
      }
      // No transcript to move (the limit hit before the first turn was saved): start the request
      // afresh on the new account, pinning the same id where the provider pins one.
      plan = RunPlan(
        kind: .spawn, prompt: plan.underlyingRequest,
        sessionID: provider.definition.sessionID.source == .pinned ? session : nil, isFirstTurn: true)
      try plan.write(to: paths.runPlan)
      note(
        event: "account_switched",
        "no transcript to move (\(error.message)); starting the request again on account \(account.label)")
    }
  }

  /// A session an earlier version kept in the account's own config dir, for a provider whose
  /// accounts now share one (``ConfigDirectory/credentialsEnvironmentVariable``): moved into the
  /// shared dir before a run on the same account resumes it, so an upgrade loses no conversation.
  func moveLegacySession(of account: Account, prepared: PreparedCredentials, plan: RunPlan) {
    let definition = provider.definition
    guard plan.kind == .resume, let session = plan.sessionID,
      prepared.configDirectory != account.configDirectory,
      SessionPorter.transcripts(sessionID: session, provider: definition, in: prepared.configDirectory)
        .isEmpty,
      !SessionPorter.transcripts(sessionID: session, provider: definition, in: account.configDirectory)
        .isEmpty
    else { return }
    logger.attempt("move session \(session) into the shared config dir", agent: agentID) {
      try accounts.port(
        sessionID: session, provider: definition, from: account.configDirectory, to: prepared.configDirectory)
    }
  }

  /// Appends one plain line to the output log between two runs of the CLI, so that `logs` (and
  /// `logs --raw`) show where the agent changed accounts. Parsers keep it as a raw line.
  func noteInLog(_ line: String) {
    logger.attempt("note the account switch in \(paths.outputLog)", agent: agentID) {
      guard FileSystem.exists(paths.outputLog) else { return }
      let handle = FileHandle(
        fileDescriptor: try FileSystem.openForAppending(paths.outputLog), closeOnDealloc: true)
      try handle.write(contentsOf: Data((line + "\n").utf8))
    }
  }

  /// Parks the agent as `waiting_for_account` until an account is usable again (or it is stopped).
  func waitForAccount(until: Date?, reason: String) throws {
    let message =
      until.map { "all \(provider.name) accounts are exhausted; waiting until \($0.ISO8601Format())" }
      ?? reason
    try recordWaiting(message)
    // Waiting for an account holds no slot (see ``SchedulingLimits``): let the queue move.
    startQueued()
    while true {
      Thread.sleep(forTimeInterval: 1)
      // A wait may last hours: a store that stops answering meanwhile is waited out, not given up on.
      guard let record = try StoreRetry.record(of: agentID, in: store, logger: logger),
        record.status == .waitingForAccount
      else { return }
      if accounts.anyUsable(
        provider: provider.name, pinned: record.accountPinned ? record.account : nil, now: Date())
      {
        return
      }
    }
  }

  /// Parks `accountID` after a usage limit, by the rotation policy: until the reported reset, or for
  /// the cooldown when none was printed or it is already past. Called the moment the limit shows
  /// up in the output (so other spawns avoid the account at once) and again when the run is
  /// continued (in case the supervisor that saw it died first); an account already parked for a
  /// later time is left as it is, so one limit parks it once and records one `exhausted` event.
  ///
  /// - Returns: when the account frees up.
  @discardableResult
  func park(_ accountID: String, after exhaustion: CLIRun.Exhaustion) -> Date? {
    let now = Date()
    if let account = accounts.account(id: accountID), account.status == .exhausted,
      let until = account.exhaustedUntil, until > now
    {
      return until
    }
    return accounts.markExhausted(accountID, reportedReset: exhaustion.resetAt, reason: exhaustion.message)
  }

  /// After a usage limit: parks the account and returns the plan that continues the session, or
  /// `nil` when the run should settle as it is (the agent finished its turn, or accounts are off).
  func continuation(after exhaustion: CLIRun.Exhaustion, _ record: AgentRecord, _ plan: RunPlan?) throws
    -> RunPlan?
  {
    guard let accountID = record.account, let plan else { return nil }
    // An agent that wrote done or questions before the limit hit has finished its turn.
    if (try? AgentSignal.read(at: paths.signalFile)) != nil { return nil }
    let until = park(accountID, after: exhaustion) ?? exhaustion.resetAt ?? Date()
    let next = plan.continuation(sessionID: record.sessionID)
    try next.write(to: paths.runPlan)
    try store.update(id: agentID) { record in
      record.error = nil
      record.result = nil
    }
    // Last, once nothing can throw: a settlement retried after a failed write (``StoreRetry``)
    // runs this again, and must not record the limit twice. (Parking is keyed by the account's
    // `exhausted_until`, the plan and the update write the same values again.)
    note(
      event: "account_exhausted",
      "account \(accounts.account(id: accountID)?.label ?? accountID) exhausted until "
        + "\(until.ISO8601Format()): \(exhaustion.message)")
    return next
  }

  /// Moves the agent to `waiting_for_account` with `message` as its error, retried while the store
  /// cannot take it (``StoreRetry``). Keyed by the status the first attempt finds: a retry after a
  /// reply lost with the connection finds the agent waiting already and adds no second event.
  func recordWaiting(_ message: String) throws {
    var found: AgentStatus?
    try StoreRetry.untilWritten(agentID: agentID, logger: logger) {
      if found == nil { found = try store.status(id: agentID) }
      try store.transition(id: agentID, StatusChange.waitForAccount.only(from: found), message: message) {
        $0.error = message
      }
    }
  }

  /// Records `accountID` as the account serving the next run, retried while the store cannot take
  /// it (``StoreRetry``). Keyed by the value it sets: applying the same account again writes nothing.
  func recordAccount(_ accountID: String) throws {
    _ = try StoreRetry.untilWritten(agentID: agentID, logger: logger) {
      try store.update(id: agentID) { $0.account = accountID }
    }
  }

  /// Appends an informational event; a failure to store it is reported to the logger, not thrown.
  func note(event type: String, _ message: String) {
    logger.attempt("store the \(type) event", agent: agentID) {
      try store.appendEvent(agentID: agentID, type: StoredEvent.EventType(rawValue: type), message: message)
    }
  }
}
