import Foundation
import JSONKit
import ProcessKit
import ProviderKit

extension AgentManager {
  /// Resumes an agent that is waiting for input: formats `answers` into one prompt and resumes the
  /// same provider session, on the same account, in the same worktree, appending to the same log.
  ///
  /// With `provider` naming another provider than the agent's, the agent moves there (see
  /// `answer --provider`).
  ///
  /// - Returns: the record (status `starting`).
  /// - Throws: ``AgentError`` when the agent is not waiting, has no session, its provider cannot
  ///   resume, the answers do not fit the questions, or they make a resume prompt too long for the
  ///   provider's CLI (``AgentError/Code/promptTooLong``); nothing is changed then.
  ///
  /// With `requestID`, an answer already applied under that id is not applied again: the agent is
  /// returned as it is (see ``requestApplied(_:agentID:)``), so a caller that lost the reply may
  /// retry safely.
  public func answer(
    _ reference: String, _ answers: Answers, provider: String? = nil, requestID: String? = nil
  ) throws(AgentError) -> AgentRecord {
    guard let requestID else { return try answerOnce(reference, answers, provider: provider, requestID: nil) }
    return try once(reference, requestID: requestID) { () throws(AgentError) in
      try answerOnce(reference, answers, provider: provider, requestID: requestID)
    }
  }

  private func answerOnce(
    _ reference: String, _ answers: Answers, provider: String?, requestID: String?
  ) throws(AgentError) -> AgentRecord {
    let record = try agent(reference)
    // Its session resumes where its files and its account's transcript are: on its machine.
    try requireThisMachine(record, to: "answer")
    guard record.status == .waitingForInput else {
      throw AgentError(
        .invalidState,
        "\(record.name) is \(record.status.rawValue), not waiting for input; only an agent with pending "
          + "questions can be answered")
    }
    // A question the running CLI holds open is answered into the same turn.
    let held = LiveSession.readHeld(at: AgentPaths(home: home, id: record.id).heldQuestion)
    let supervisorAlive = record.supervisor.map { ProcessInspector().isAlive($0) } ?? false
    if let provider, provider != record.provider {
      if held != nil && supervisorAlive {
        throw AgentError(
          .invalidState,
          "\(record.name)'s \(record.provider) CLI is holding its questions open; answer without --provider, "
            + "or wait until questions.holdFor lets them go")
      }
      return try answer(record, answers, on: provider, requestID: requestID)
    }
    if let held, !held.released, supervisorAlive,
      let answered = try answerHeld(record, held, answers, requestID: requestID)
    {
      return answered
    }
    guard let sessionID = record.sessionID else {
      throw AgentError(.invalidState, "\(record.name) has no provider session to resume")
    }
    let provider: any AgentProvider
    do { provider = try registry.provider(named: record.provider) } catch {
      throw AgentError(.unknownProvider, error.message)
    }
    if case .none = provider.definition.resume {
      throw AgentError(
        .resumeUnsupported,
        "provider \(provider.name) cannot resume a session, so \(record.name) cannot be answered")
    }
    let prompt = try checkedResumePrompt(record, answers, sessionID: sessionID, provider: provider)
    let paths = AgentPaths(home: home, id: record.id)
    if let worktree = record.worktreePath, !FileSystem.exists(worktree) {
      throw AgentError(
        .invalidState, "the worktree \(worktree) of \(record.name) is gone; it cannot be resumed")
    }
    // The run plan is written in the same transaction that moves the agent to `starting`, and this
    // process stands in as its supervisor until the real one records itself: of two answers racing
    // only the one whose change applied writes the plan, and should this process die before the
    // supervisor starts, reconcile finds a ready plan and a dead stand-in and starts it (rather
    // than losing the session).
    let standIn = try? ProcessInspector().currentIdentity()
    // A held question let go while its CLI ends the turn: that supervisor runs the resume once the
    // CLI is gone (unless it is finished by then: then a new one is started).
    var handedOver = false
    let transition = try storeCall {
      try store.transition(
        id: record.id, .answer,
        message: "answered; resuming session \(sessionID)",
        data: Self.eventData(["prompt": .string(prompt)], requestID: requestID)
      ) { record in
        record.pendingQuestions = []
        record.result = nil
        record.error = nil
        handedOver = supervisorAlive && FileSystem.exists(paths.heldQuestion)
        if !handedOver { record.recordSupervisor(standIn, on: machine) }
        record.cli = nil
        try RunPlan(kind: .resume, prompt: prompt, sessionID: sessionID).write(to: paths.runPlan)
      }
    }
    guard transition.applied else {
      throw AgentError(
        .invalidState,
        "\(record.name) is \(transition.record.status.rawValue) now; it was answered or changed meanwhile")
    }
    Failpoint.answerCommitted.hit()
    if !handedOver { try startSupervisor(for: record.id) }
    return try agent(record.id)
  }

  /// The resume prompt for `answers`, refused now when the CLI could not be given it (a NUL byte,
  /// too long for it): accepted, it would fail the agent.
  private func checkedResumePrompt(
    _ record: AgentRecord, _ answers: Answers, sessionID: String, provider: any AgentProvider
  ) throws(AgentError) -> String {
    let prompt = try Self.resumePrompt(answering: record.pendingQuestions, with: answers)
    // A NUL byte cannot reach a CLI (argv and text end there): refused, the agent stays waiting.
    if let offset = prompt.utf8.firstIndex(of: 0).map({
      prompt.utf8.distance(from: prompt.utf8.startIndex, to: $0)
    }) {
      throw AgentError(
        .invalidAnswer,
        "the answer contains a NUL byte (at byte \(offset) of the resume prompt); answers must be text",
        facts: ["field": "answer"])
    }
    do {
      try Self.checkPromptFits(
        RunPlan(kind: .resume, prompt: prompt, sessionID: sessionID), provider: provider,
        workingDirectory: record.worktreePath ?? record.cwd ?? FileSystem.currentDirectory, field: "answer",
        what: "the resume prompt the answers make")
    } catch {
      throw AgentError(
        error.code, error.message + "; \(record.name) is still waiting for input", facts: error.facts)
    }
    return prompt
  }

  /// The resume prompt that carries `answers` to `questions`.
  ///
  /// - Throws: ``AgentError/Code/invalidAnswer`` for an empty answer, or answers that do not fit.
  static func resumePrompt(answering questions: [PendingQuestion], with answers: Answers)
    throws(AgentError) -> String
  {
    switch answers {
    case .freeText(let text):
      guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
        throw AgentError(.invalidAnswer, "the answer is empty")
      }
      return QuestionProtocol.answerPrompt(questions: questions, freeText: text)
    case .byID(let byID):
      do {
        return try QuestionProtocol.answerPrompt(
          questions: questions, answers: byID.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
      } catch {
        throw AgentError(
          .invalidAnswer, error.message,
          facts: error.missing.isEmpty
            ? [:] : ["state": "missingAnswers", "missing": error.missing.joined(separator: ",")],
          underlying: error)
      }
    }
  }
}
