import Foundation
import JSONKit
import ProcessKit
import ProviderKit

extension AgentManager {
  /// How a message reaches the agent.
  public enum Delivery: String, Sendable {
    /// Into its running CLI's live channel (Claude takes it into the turn going on, or its next
    /// turn in the same run); kept until the CLI took it, for the next run should it exit first.
    case live
    /// When its current run ends (or its next one starts), by resuming the same session with it.
    case nextRun = "next_run"
    /// At once, as a new turn of its finished session (a follow-up task).
    case resumed
  }

  /// Sends `message` to an agent: written to its running CLI when it has a live channel; kept and
  /// delivered when the run ends (resuming the same session with it) when it has none, or when it
  /// is queued, starting or waiting for an account; and for a `completed`, `failed`, `stopped` or
  /// `crashed` agent, its session is resumed with the message as a new turn, on the same account
  /// rules as ``answer(_:_:provider:)``. An agent waiting for input is answered, not sent to.
  ///
  /// - Returns: the record, and how the message goes.
  /// - Throws: ``AgentError``: an empty message or one with a NUL byte, an agent waiting for input,
  ///   a finished agent without a session its provider can resume, a message too long for its CLI.
  public func send(_ reference: String, message: String) throws(AgentError) -> (AgentRecord, Delivery) {
    try sendOnce(reference, message: message, requestID: nil)
  }

  /// Sends `message` as ``send(_:message:)`` does, unless a message was already sent to the agent
  /// under `requestID` (see ``requestApplied(_:agentID:)``): a caller that lost the reply may retry
  /// safely.
  ///
  /// - Returns: the record, and how the message goes (`nil` when it was sent before).
  /// - Throws: as ``send(_:message:)``; ``AgentError/Code/invalidRequestID`` for a request id that
  ///   is not 1 to 128 letters, digits, `.`, `_` or `-`.
  public func send(_ reference: String, message: String, requestID: String) throws(AgentError)
    -> (AgentRecord, Delivery?)
  {
    var delivery: Delivery?
    let record = try once(reference, requestID: requestID) { () throws(AgentError) in
      let (record, how) = try sendOnce(reference, message: message, requestID: requestID)
      delivery = how
      return record
    }
    return (record, delivery)
  }

  private func sendOnce(_ reference: String, message: String, requestID: String?) throws(AgentError)
    -> (AgentRecord, Delivery)
  {
    let record = try agent(reference)
    let text = message.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !text.isEmpty else { throw AgentError(.missingPrompt, "the message is empty") }
    if let nul = text.utf8.firstIndex(of: 0) {
      let offset = text.utf8.distance(from: text.utf8.startIndex, to: nul)
      throw AgentError(
        .invalidPrompt, "the message contains a NUL byte (at byte \(offset)); a message must be text",
        facts: ["field": "message"])
    }
    // Its inbox, its live channel and its session are on its machine.
    try requireThisMachine(record, to: "send")
    switch record.status {
    case .waitingForInput:
      throw AgentError(
        .invalidState,
        "\(record.name) is waiting for input: answer its questions with `multiagent answer \(record.name) …` "
          + "(see `multiagent questions \(record.name)`)")
    case .queued, .starting, .running, .waitingForAccount:
      do { try AgentInbox(paths: paths(record)).add(text, requestID: requestID) } catch {
        throw AgentError(.invalidPath, "cannot keep the message for \(record.name): \(error)")
      }
      let live =
        record.status == .running
        && (try? registry.provider(named: record.provider))?.definition.liveInput != nil
      let delivery: Delivery = live ? .live : .nextRun
      noteSent(record, text, delivery, requestID: requestID)
      return (try agent(record.id), delivery)
    case .completed, .failed, .stopped, .crashed:
      return (try followUp(record, text, requestID: requestID), .resumed)
    }
  }

  /// Resumes a finished agent's session with `text` as a new turn.
  private func followUp(_ record: AgentRecord, _ text: String, requestID: String?) throws(AgentError)
    -> AgentRecord
  {
    guard let sessionID = record.sessionID else {
      throw AgentError(.invalidState, "\(record.name) has no provider session to continue; spawn a new agent")
    }
    let provider: any AgentProvider
    do { provider = try registry.provider(named: record.provider) } catch {
      throw AgentError(.unknownProvider, error.message)
    }
    if case .none = provider.definition.resume {
      throw AgentError(
        .resumeUnsupported,
        "provider \(provider.name) cannot resume a session, so \(record.name) cannot be continued")
    }
    if let worktree = record.worktreePath, !FileSystem.exists(worktree) {
      throw AgentError(
        .invalidState, "the worktree \(worktree) of \(record.name) is gone; it cannot be continued")
    }
    let paths = paths(record)
    let plan = RunPlan(
      kind: .resume,
      prompt: AgentInbox.turn([text]) + QuestionProtocol.preamble(signalFile: paths.signalFile),
      sessionID: sessionID)
    try Self.checkPromptFits(
      plan, provider: provider,
      workingDirectory: record.worktreePath ?? record.cwd ?? FileSystem.currentDirectory,
      field: "message", what: "the message")
    let standIn = try? ProcessInspector().currentIdentity()
    let transition = try storeCall {
      try store.transition(
        id: record.id, .followUp, message: "a message from the user; resuming session \(sessionID)",
        data: Self.eventData(["message": .string(text)], requestID: requestID)
      ) { updated in
        updated.result = nil
        updated.error = nil
        updated.pendingQuestions = []
        updated.finishedAt = nil
        updated.exitCode = nil
        updated.exitSignal = nil
        updated.recordSupervisor(standIn, on: machine)
        updated.cli = nil
        try plan.write(to: paths.runPlan)
      }
    }
    guard transition.applied else {
      throw AgentError(
        .invalidState, "\(record.name) is \(transition.record.status.rawValue) now; it changed meanwhile")
    }
    noteSent(record, text, .resumed, requestID: requestID)
    try startSupervisor(for: record.id)
    return try agent(record.id)
  }

  private func noteSent(_ record: AgentRecord, _ text: String, _ delivery: Delivery, requestID: String?) {
    let data = Self.eventData(
      ["delivery": .string(delivery.rawValue), "bytes": .number(Double(text.utf8.count))],
      requestID: requestID)
    logger.attempt("store the message_sent event", agent: record.id) {
      try store.appendEvent(
        agentID: record.id, type: "message_sent",
        message: "message (\(text.utf8.count) bytes): " + String(text.prefix(120)), data: data)
    }
  }
}
