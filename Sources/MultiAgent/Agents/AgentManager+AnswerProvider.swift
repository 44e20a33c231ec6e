import Foundation
import JSONKit
import ProcessKit
import ProviderKit

extension AgentManager {
  /// Answers a waiting agent on another provider: the way back from a fallback (or to any other
  /// provider). The agent resumes the session it had on `providerName` before it left, if it had
  /// one, else starts a new session there; either way the prompt carries what was done meanwhile
  /// (a handoff, as for a fallback) and the answers. A `provider_switched` event records the move.
  ///
  /// - Throws: ``AgentError`` for an unknown provider or one whose CLI is not installed, answers that
  ///   do not fit, or a prompt too long for that CLI; nothing is changed then.
  func answer(
    _ record: AgentRecord, _ answers: Answers, on providerName: String, requestID: String? = nil
  ) throws(AgentError) -> AgentRecord {
    let target: any AgentProvider
    let current: any AgentProvider
    do {
      target = try registry.provider(named: providerName)
      current = try registry.provider(named: record.provider)
    } catch { throw AgentError(.unknownProvider, error.message, facts: ["field": "provider"]) }
    guard isInstalled(target) else {
      throw AgentError(
        .binaryNotFound,
        "\(target.definition.binary) (the \(target.name) CLI) is not on PATH; \(record.name) is still "
          + "waiting for input")
    }
    let answerPrompt = try Self.resumePrompt(answering: record.pendingQuestions, with: answers)
    let fallback = ProviderFallback(
      home: home, agentID: record.id, store: store, registry: registry, logger: logger)
    let reason = "the user answered on \(target.name)"
    let handoff = fallback.handoff(from: current, reason: reason, record: record)
    let paths = AgentPaths(home: home, id: record.id)
    let prompt =
      handoff.text + "\n\n## The user's answers now\n\n" + answerPrompt
      + QuestionProtocol.preamble(signalFile: paths.signalFile)
    var earlier = fallback.earlierSession(on: target.name)
    if case .none = target.definition.resume { earlier = nil }
    let plan =
      if let earlier {
        RunPlan(kind: .resume, prompt: prompt, sessionID: earlier.session)
      } else {
        RunPlan(kind: .spawn, prompt: prompt, sessionID: target.newPinnedSessionID(), isFirstTurn: true)
      }
    try Self.checkPromptFits(
      plan, provider: target,
      workingDirectory: record.worktreePath ?? record.cwd ?? FileSystem.currentDirectory,
      field: "answer", what: "the prompt that moves \(record.name) to \(target.name)")
    let standIn = try? ProcessInspector().currentIdentity()
    // The move and its `provider_switched` event are one write: neither is ever found without
    // the other.
    let switched = fallback.noteSwitch(
      record, from: current.name, to: target.name, reason: reason,
      note: "the user answered on \(target.name); continuing there"
        + (plan.kind == .resume ? " in its earlier session" : " in a new session"))
    let transition = try storeCall {
      try store.transition(
        id: record.id, .answer, message: "answered; continuing on \(target.name)",
        data: Self.eventData(["prompt": .string(answerPrompt)], requestID: requestID), alsoRecording: switched
      ) { updated in
        updated.pendingQuestions = []
        updated.result = nil
        updated.error = nil
        updated.recordSupervisor(standIn, on: machine)
        updated.cli = nil
        updated.provider = target.name
        // The account that served the earlier session is where its transcript is: rotation moves
        // it from there when that account is not the one chosen.
        updated.sessionID = earlier?.session
        updated.account = earlier?.account
        updated.accountPinned = false
        updated.model = nil
        updated.extraArguments = []
        try plan.write(to: paths.runPlan)
      }
    }
    guard transition.applied else {
      throw AgentError(
        .invalidState,
        "\(record.name) is \(transition.record.status.rawValue) now; it was answered or changed meanwhile")
    }
    try startSupervisor(for: record.id)
    return try agent(record.id)
  }
}
