import Foundation
import JSONKit

/// A child that settled tells its parent, in the parent's own session: one message into the
/// parent's ``AgentInbox`` — delivered at once into a live parent, else with its next run — for
/// children that report (``AgentRecord/reportsToParent``: spawned from inside an agent, without
/// `--no-report`).
///
/// Each settlement is reported once, keyed by the child and its settlement (see
/// `AgentStore+ChildReports.swift`): the message and the parent's `child_reported` event that says
/// it went are made in one write transaction, so two reporters at once make one report. A report
/// that did not happen — its supervisor killed between settling and reporting, the store unable to
/// answer then — is made by the parent's supervisor when its turn ends and while it waits for
/// reports (``reportUnreported(childrenOf:)``). A commit lost after the message went may deliver it
/// twice (the inbox keeps one copy while it waits); none is lost.
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
        try StoreRetry.untilWritten(agentID: agentID, logger: logger) { try report(agentID, to: parentID) }
      } else {
        try report(agentID, to: parentID)
      }
    } catch {
      logger.warning(
        "cannot report the agent to its parent; its parent's supervisor will", agent: agentID, error: error)
    }
  }

  /// Reports every child of `parentID` that reports to it and has settled, whose settlement was
  /// not reported yet (a report lost with its supervisor). One query when there is none. A child
  /// that cannot be reported is logged and left for the next look; the others are reported.
  ///
  /// - Returns: whether every settled child has been reported (false: one could not be, or the
  ///   store could not be read).
  @discardableResult
  func reportUnreported(childrenOf parentID: String) -> Bool {
    let children: [AgentStore.ReportingChild]
    let reports: ChildReports
    do {
      children = try store.reportingChildren(of: parentID, in: Self.reported)
      guard !children.isEmpty else { return true }
      reports = try store.childReports(to: parentID)
    } catch {
      logger.warning("cannot look for unreported children", agent: parentID, error: error)
      return false
    }
    var complete = true
    for child in children where !reports.contains(child) {
      do { try report(child.id, to: parentID) } catch {
        logger.warning("cannot report a child to this agent yet", agent: parentID, error: error)
        complete = false
      }
    }
    return complete
  }

  /// Reports child `childID`'s current settlement to `parentID`, unless it was.
  private func report(_ childID: String, to parentID: String) throws {
    let inbox = AgentInbox(paths: AgentPaths(home: home, id: parentID))
    try store.reportChild(childID, to: parentID, in: Self.reported) { child, settlement in
      let text = Self.message(for: child)
      try inbox.add(text, requestID: "child-\(child.id)-\(settlement)")
      return String(text.prefix(200))
    }
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
    var unreportedSince: ContinuousClock.Instant?
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
        // here; its message then resumes this session on the next look. One that cannot be is
        // waited for as long as the store's writes are (``StoreRetry/limit``), then given up.
        let reporter = ChildReport(home: home, store: store, logger: logger)
        if reporter.reportUnreported(childrenOf: agentID) {
          unreportedSince = nil
        } else if unreportedSince == nil {
          unreportedSince = .now
        }
        let givenUp = unreportedSince.map { ContinuousClock.now - $0 >= StoreRetry.limit } ?? true
        if givenUp && AgentInbox(paths: paths).isEmpty { return nil }
      }
    }
  }
}
