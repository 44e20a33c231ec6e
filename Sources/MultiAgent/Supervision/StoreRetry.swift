import Foundation
import StateStore

/// Retrying the writes a supervisor must make — recording itself, the account chosen for a run,
/// the move to `waiting_for_account`, a provider switch, the CLI it started, its output, its
/// settlement — while the database cannot take them for a while: a full disk, a failing device, a
/// lock held past every busy retry, a PostgreSQL server or link that stopped answering (the next
/// attempt reconnects). Giving up would leave the agent reading `running` with no process; the
/// output is on disk and the write is retried once a second, for up to ten minutes, with a warning
/// now and then. Other errors are thrown at once. The reads on the way to starting a CLI (the
/// record, its status before the launch) wait the same way (``record(of:in:logger:)``).
///
/// A lost connection may have lost only the reply: the write the caller gave up on can have
/// committed. So every write retried here is idempotent by a natural key — the output by its parse
/// offsets (``AgentStore/commitOutput(id:from:to:_:)``); the supervisor and the account by the
/// values they set (``Supervisor/recordSelf(_:store:)``, ``AccountFailover/recordAccount(_:)``: the
/// same values again write nothing); the wait for an account by the status it moves from
/// (``AccountFailover/recordWaiting(_:)``); a provider switch by the provider it moves from
/// (``ProviderFallback/moveRecord(from:to:recording:)``); the launch by the CLI it records (a retry finds it
/// `running` and leaves it); a settlement by the status it moves the agent from
/// (``SupervisionLoop``) — and a second application changes nothing.
enum StoreRetry {
  /// How long writes are retried before the error is thrown (and the agent left to reconcile).
  static let limit: Duration = .seconds(600)

  /// Whether `error` may go away by itself.
  static func isPassing(_ error: any Error) -> Bool {
    guard let error = error as? StoreError ?? (error as? AgentError)?.underlying as? StoreError else {
      return false
    }
    return [.diskFull, .io, .busy, .unavailable].contains(error.code)
  }

  /// Runs `body` until it does not fail with a passing store error, or until ``limit``.
  static func untilWritten<T>(agentID: String, logger: any AgentLogger, _ body: () throws -> T) throws -> T {
    try until(
      agentID: agentID, logger: logger, warning: "cannot write the agent's state yet; retrying every second",
      body)
  }

  /// Agent `agentID`'s record, read as ``untilWritten(agentID:logger:_:)`` writes: a supervisor
  /// waits out a store that cannot answer instead of giving up its agent. A read changes nothing,
  /// so it may be repeated at will.
  static func record(of agentID: String, in store: AgentStore, logger: any AgentLogger) throws -> AgentRecord?
  {
    try until(
      agentID: agentID, logger: logger, warning: "cannot read the agent's state yet; retrying every second"
    ) { try store.agent(id: agentID) }
  }

  private static func until<T>(
    agentID: String, logger: any AgentLogger, warning: String, _ body: () throws -> T
  ) throws -> T {
    let deadline = ContinuousClock.now + limit
    var lastWarning: ContinuousClock.Instant?
    while true {
      do { return try body() } catch  where isPassing(error) && ContinuousClock.now < deadline {
        let now = ContinuousClock.now
        if lastWarning.map({ now - $0 >= .seconds(30) }) ?? true {
          lastWarning = now
          logger.warning(warning, agent: agentID, error: error)
        }
        Thread.sleep(forTimeInterval: 1)
      }
    }
  }
}
