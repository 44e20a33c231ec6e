import Foundation
import JSONKit

/// A child that settled tells its parent, in the parent's own session: one message into the
/// parent's ``AgentInbox`` — delivered at once into a live parent, else with its next run — for
/// children that report (``AgentRecord/reportsToParent``: spawned from inside an agent, without
/// `--no-report`).
struct ChildReport {
  let home: StateHome
  let store: AgentStore
  let logger: any AgentLogger

  /// The statuses a child reports in: it finished, or it needs the user.
  static let reported: Set<AgentStatus> = [.completed, .failed, .crashed, .stopped, .waitingForInput]

  /// Reports child `agentID` to its parent, if it reports and has settled.
  func childSettled(_ agentID: String) {
    guard let child = try? store.agent(id: agentID), child.reportsToParent, let parentID = child.parentID,
      Self.reported.contains(child.status), let parent = try? store.agent(id: parentID)
    else { return }
    let text = Self.message(for: child)
    logger.attempt("report \(child.name) to its parent", agent: agentID) {
      try AgentInbox(paths: AgentPaths(home: home, id: parent.id)).add(text)
      let data = JSONObject(
        keys: ["child", "status"], values: [.string(child.name), .string(child.status.rawValue)])
      try store.appendEvent(
        agentID: parent.id, type: "child_reported", message: String(text.prefix(200)), data: .object(data))
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
    while true {
      Thread.sleep(forTimeInterval: 1)
      let current = try StoreRetry.record(of: agentID, in: store, logger: logger)
      guard let current, !current.status.isTerminal else { return .finished(current?.status ?? .stopped) }
      let next = try StoreRetry.untilWritten(agentID: agentID, logger: logger) {
        try continuation(withMessagesAfter: ending)
      }
      if let next { return .chooseAccount(next) }
      if !reportingChildrenRunning() && AgentInbox(paths: paths).isEmpty { return nil }
    }
  }
}
