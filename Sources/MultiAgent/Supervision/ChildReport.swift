import Foundation
import JSONKit

/// A child that settled tells its parent, in the parent's own session: one message into the
/// parent's ``AgentInbox`` — delivered at once into a live parent, else with its next run — for
/// children that report (``AgentRecord/reportsToParent``: spawned from inside an agent, without
/// `--no-report`).
///
/// Each settlement is reported once, keyed by the child and its settlement (see
/// `AgentStore+ChildReports.swift`): the message goes first, under a request id of that key, then
/// the parent's `child_reported` event that says it went. A report that did not happen — its
/// supervisor killed between settling and reporting, the store unable to answer then — is made by
/// the parent's supervisor when its turn ends (``reportUnreported(childrenOf:)``); a crash between
/// message and event may deliver one twice, never lose one.
struct ChildReport {
  let home: StateHome
  let store: AgentStore
  let logger: any AgentLogger

  /// The statuses a child reports in: it finished, or it needs the user.
  static let reported: Set<AgentStatus> = [.completed, .failed, .crashed, .stopped, .waitingForInput]

  /// Reports child `agentID` to its parent, if it reports and has settled.
  ///
  /// - Parameter retrying: wait out a store that cannot answer (``StoreRetry``), as a supervisor
  ///   does; a command tries once and leaves the rest to the parent's supervisor.
  func childSettled(_ agentID: String, retrying: Bool = false) {
    do {
      let child =
        retrying
        ? try StoreRetry.record(of: agentID, in: store, logger: logger) : try store.agent(id: agentID)
      guard let child, child.reportsToParent, let parentID = child.parentID,
        Self.reported.contains(child.status)
      else { return }
      Failpoint.childReporting.hit()
      if retrying {
        try StoreRetry.untilWritten(agentID: agentID, logger: logger) { try report(child, to: parentID) }
      } else {
        try report(child, to: parentID)
      }
    } catch {
      logger.warning(
        "cannot report the agent to its parent; its parent's supervisor will", agent: agentID, error: error)
    }
  }

  /// Reports every child of `parentID` that reports to it and has settled, whose settlement was
  /// not reported yet (a report lost with its supervisor). One query when there is none.
  func reportUnreported(childrenOf parentID: String) throws {
    let children = try store.reportingChildren(of: parentID, in: Self.reported)
    guard !children.isEmpty else { return }
    let reports = try store.childReports(to: parentID)
    for child in children { try report(child, to: parentID, unless: reports) }
  }

  /// Reports `child`'s current settlement to `parentID`, unless it was.
  private func report(_ child: AgentRecord, to parentID: String, unless reports: ChildReports? = nil) throws {
    guard let settlement = try store.lastStatusChangeID(of: child.id),
      try !(reports ?? store.childReports(to: parentID)).contains(child, settlement: settlement),
      try store.agent(id: parentID) != nil
    else { return }
    let text = Self.message(for: child)
    try AgentInbox(paths: AgentPaths(home: home, id: parentID)).add(
      text, requestID: "child-\(child.id)-\(settlement)")
    try store.recordChildReport(
      parentID: parentID, child: child, settlement: settlement, message: String(text.prefix(200)))
  }

  /// `[multiagent] child NAME completed: <result>` (or failed, or waiting for input with its
  /// questions).
  static func message(for child: AgentRecord) -> String {
    let head = "[multiagent] child \(child.name)"
    switch child.status {
    case .completed: return "\(head) completed: \(child.result ?? "(no result)")"
    case .waitingForInput:
      let questions = child.pendingQuestions.map { question in
        "- \(question.id): \(question.question)"
          + (question.options.isEmpty ? "" : " (options: \(question.options.joined(separator: ", ")))")
      }
      return
        "\(head) is waiting for input (answer with `multiagent answer \(child.name) --answer ID=TEXT`):\n"
        + questions.joined(separator: "\n")
    default:
      return "\(head) \(child.status.rawValue): \(child.error ?? "(no error recorded)")"
    }
  }
}

extension SupervisionLoop {
  /// Children of this agent that report to it and have not settled yet.
  func reportingChildrenRunning() -> Bool {
    (try? store.hasReportingChild(of: agentID, notIn: ChildReport.reported)) ?? false
  }

  /// A run that would complete while children that report to it still run: the agent stays
  /// `running` (no CLI) until a report (or a message) arrives, then its session resumes with it;
  /// with none left running and nothing to deliver, it settles.
  func awaitReports(after ending: CLIRun.Ending) throws -> Step? {
    guard reportingChildrenRunning() else { return nil }
    let signal = Result { () throws(SignalError) in try AgentSignal.read(at: paths.signalFile) }
    guard let record = try store.agent(id: agentID), !record.status.isTerminal,
      Settlement.settle(record, exit: ending.exit, signal: signal).status == .completed
    else { return nil }
    logger.attempt("store the awaiting_children event", agent: agentID) {
      try store.appendEvent(
        agentID: agentID, type: "awaiting_children",
        message: "the turn ended while children it hears from still run; waiting for their reports")
    }
    // Each look is retried in place while the store cannot be read: failing out of here would
    // have the settlement retried from the start, and record the wait a second time.
    while true {
      Thread.sleep(forTimeInterval: 1)
      let current = try StoreRetry.record(of: agentID, in: store, logger: logger)
      guard let current, !current.status.isTerminal else { return .finished(current?.status ?? .stopped) }
      let next = try StoreRetry.untilWritten(agentID: agentID, logger: logger) {
        try continuation(withMessagesAfter: ending)
      }
      if let next { return .chooseAccount(next) }
      if !reportingChildrenRunning() {
        // A child that settled without reporting (its supervisor killed in between) is reported
        // here; its message then resumes this session on the next look.
        try StoreRetry.untilWritten(agentID: agentID, logger: logger) {
          try ChildReport(home: home, store: store, logger: logger).reportUnreported(childrenOf: agentID)
        }
        if AgentInbox(paths: paths).isEmpty { return nil }
      }
    }
  }
}
