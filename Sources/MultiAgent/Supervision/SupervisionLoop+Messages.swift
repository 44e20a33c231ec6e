import Foundation
import JSONKit
import ProviderKit

extension SupervisionLoop {
  /// A run that would complete while messages wait for the agent (`send` to a run without a live
  /// channel, or sent as its last turn ended) goes on instead: the same session resumes with them.
  /// A run that ends otherwise (questions, an error) keeps them for its next run.
  func continuation(withMessagesAfter ending: CLIRun.Ending) throws -> RunPlan? {
    let inbox = AgentInbox(paths: paths)
    let messages = inbox.pending()
    guard !messages.isEmpty, let record = try store.agent(id: agentID), !record.status.isTerminal,
      let session = record.sessionID
    else { return nil }
    if case .none = provider.definition.resume { return nil }
    let signal = Result { () throws(SignalError) in try AgentSignal.read(at: paths.signalFile) }
    guard Settlement.settle(record, exit: ending.exit, signal: signal).status == .completed else {
      return nil
    }
    let prompt =
      AgentInbox.turn(messages.map(\.text)) + QuestionProtocol.preamble(signalFile: paths.signalFile)
    let plan = RunPlan(kind: .resume, prompt: prompt, sessionID: session)
    try plan.write(to: paths.runPlan)
    inbox.remove(messages)
    let data = JSONObject(
      keys: ["delivery", "count"], values: [.string("resume"), .number(Double(messages.count))])
    logger.attempt("store the message_delivered event", agent: agentID) {
      try store.appendEvent(
        agentID: agentID, type: "message_delivered",
        message: "\(messages.count) message(s) delivered by resuming session \(session)", data: .object(data))
    }
    return plan
  }
}
