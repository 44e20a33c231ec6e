import Credentials
import Foundation
import ProviderKit

#if canImport(Glibc)
  import Glibc
#endif

/// Choosing, preparing and switching accounts for a supervised agent: the part of the loop that
/// parks an exhausted account and continues the session on the next one.
extension SupervisedRun {
  enum AccountChoice {
    case noAccounts
    case ready(PreparedCredentials)
    case wait(until: Date?, reason: String)
    case unusable(String)
  }

  /// Picks the account for the next run; when it differs from the last one, moves the session over.
  func chooseAccount(_ record: AgentRecord, plan: inout RunPlan) throws -> AccountChoice {
    guard accounts.hasAccounts(provider: provider.name) else { return .noAccounts }
    let now = Date()
    var excluded: Set<String> = []
    var lastFailure: String?
    let pinned = record.accountPinned ? record.account : nil
    while true {
      let account: Account
      do {
        guard
          let chosen = try accounts.select(
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
      do { prepared = try accounts.prepare(account, provider: provider.definition, now: now) } catch {
        // A refresh that failed marks the account; the next one is tried (never the pinned one again).
        _ = try? store.appendEvent(agentID: agentID, type: "account_error", message: error.message)
        if pinned != nil { return .unusable(error.message) }
        excluded.insert(account.id)
        lastFailure = error.message
        continue
      }
      if account.id != record.account {
        do { try moveSession(to: account, prepared: prepared, record: record, plan: &plan) } catch {
          return .unusable("\(error)")
        }
      }
      try store.update(id: agentID) { $0.account = account.id }
      return .ready(prepared)
    }
  }

  func moveSession(
    to account: Account, prepared: PreparedCredentials, record: AgentRecord, plan: inout RunPlan
  ) throws {
    let previous = record.account.flatMap { accounts.account(id: $0) }
    let from = previous?.configDirectory ?? accounts.userConfigDirectory(for: provider.definition)
    if let previous {
      noteInLog(
        "[multiagent] account \(previous.label) (\(previous.id)) is parked; continuing on account "
          + "\(account.label) (\(account.id))")
    }
    guard plan.kind == .resume, let session = plan.sessionID, let from else {
      if previous != nil {
        _ = try? store.appendEvent(
          agentID: agentID, type: "account_switched",
          message: "continuing on account \(account.label) (\(account.id))")
      }
      return
    }
    do {
      try accounts.port(
        sessionID: session, provider: provider.definition, from: from, to: prepared.configDirectory)
      _ = try? store.appendEvent(
        agentID: agentID, type: "account_switched",
        message:
          "session \(session) moved from \(previous.map { "account \($0.label) (\($0.id))" } ?? "the default config dir") "
          + "to account \(account.label) (\(account.id))")
    } catch {
      // A conversation with turns that cannot move must not silently restart on the new account.
      guard plan.firstTurn else {
        throw AgentError(
          .invalidState,
          "session \(session) cannot move to account \(account.label): \(error.message); answer again once "
            + "account \(previous?.label ?? "the previous account") is usable, or pin the agent with --account"
        )
      }
      // No transcript to move (the limit hit before the first turn was saved): start the request
      // afresh on the new account, pinning the same id where the provider pins one.
      plan = RunPlan(
        kind: .spawn, prompt: plan.underlyingRequest,
        sessionID: provider.definition.sessionID.source == .pinned ? session : nil, isFirstTurn: true)
      try plan.write(to: paths.runPlan)
      _ = try? store.appendEvent(
        agentID: agentID, type: "account_switched",
        message:
          "no transcript to move (\(error.message)); starting the request again on account \(account.label)")
    }
  }

  /// Appends one plain line to the output log between two runs of the CLI, so that `logs` (and
  /// `logs --raw`) show where the agent changed accounts. Parsers keep it as a raw line.
  func noteInLog(_ line: String) {
    guard let handle = FileHandle(forWritingAtPath: paths.outputLog) else { return }
    defer { try? handle.close() }
    _ = try? handle.seekToEnd()
    try? handle.write(contentsOf: Data((line + "\n").utf8))
  }

  /// Parks the agent as `waiting_for_account` until an account is usable again (or it is stopped).
  func waitForAccount(until: Date?, reason: String) throws {
    let message =
      until.map { "all \(provider.name) accounts are exhausted; waiting until \($0.ISO8601Format())" }
      ?? reason
    try store.transition(
      id: agentID, from: [.starting, .running, .waitingForAccount], to: .waitingForAccount, message: message
    ) { $0.error = message }
    // Waiting for an account holds no slot (see ``SchedulingLimits``): let the queue move.
    AgentManager.startQueued(home: home, store: store)
    while true {
      Thread.sleep(forTimeInterval: 1)
      guard let record = try store.agent(id: agentID), record.status == .waitingForAccount else { return }
      if accounts.anyUsable(
        provider: provider.name, pinned: record.accountPinned ? record.account : nil, now: Date())
      {
        return
      }
    }
  }

  /// After a usage limit: parks the account and returns the plan that continues the session, or
  /// `nil` when the run should settle as it is (the agent finished its turn, or accounts are off).
  func continuation(
    after exhaustion: (resetAt: Date?, message: String), _ record: AgentRecord, _ plan: RunPlan?
  ) throws -> RunPlan? {
    guard let accountID = record.account, let plan else { return nil }
    // An agent that wrote done or questions before the limit hit has finished its turn.
    if (try? AgentSignal.read(at: paths.signalFile)) != nil { return nil }
    let until =
      accounts.markExhausted(accountID, reportedReset: exhaustion.resetAt, reason: exhaustion.message)
      ?? exhaustion.resetAt ?? Date()
    _ = try? store.appendEvent(
      agentID: agentID, type: "account_exhausted",
      message: "account \(accounts.account(id: accountID)?.label ?? accountID) exhausted until "
        + "\(until.ISO8601Format()): \(exhaustion.message)")
    let next = plan.continuation(sessionID: record.sessionID)
    try next.write(to: paths.runPlan)
    try store.update(id: agentID) { record in
      record.error = nil
      record.result = nil
    }
    return next
  }
}
