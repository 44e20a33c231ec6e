import Foundation
import JSONKit
import ProviderKit

extension AgentManager {
  /// Answers a question the agent's running CLI holds open (see `LiveSession`): the answers are
  /// written for its supervisor, which delivers them into the same turn, and the agent is `running`
  /// again — no resume, no new process.
  ///
  /// - Returns: the record, or `nil` when the question was let go meanwhile (then the caller
  ///   resumes the session as for any waiting agent).
  func answerHeld(
    _ record: AgentRecord,
    _ held: (requestID: String, questions: [(id: String, text: String)], released: Bool),
    _ answers: Answers, requestID: String? = nil
  ) throws(AgentError) -> AgentRecord? {
    // The same checks and the same text as a resume's answers (kept in the event).
    let prompt = try Self.resumePrompt(answering: record.pendingQuestions, with: answers)
    let pairs: [(question: String, answer: String)] = held.questions.map { question in
      switch answers {
      case .freeText(let text): (question.text, text)
      case .byID(let byID): (question.text, byID[question.id] ?? "")
      }
    }
    let paths = AgentPaths(home: home, id: record.id)
    let change: AgentStore.StatusTransition
    do {
      change = try store.transition(
        id: record.id, .answerHeld, message: "answered; the answers go into the running CLI's turn",
        data: Self.eventData(["prompt": .string(prompt)], requestID: requestID)
      ) { updated in
        guard let still = LiveSession.readHeld(at: paths.heldQuestion), !still.released,
          still.requestID == held.requestID
        else { throw HeldQuestionGone() }
        try LiveSession.writeAnswers(
          requestID: held.requestID, pairs, resumePrompt: prompt, to: paths.liveAnswer)
        updated.pendingQuestions = []
      }
    } catch is HeldQuestionGone {
      return nil
    } catch let error as StoreError {
      throw AgentError(.store, error.description, underlying: error)
    } catch {
      throw AgentError(.store, "\(error)")
    }
    guard change.applied else { return nil }
    return try agent(record.id)
  }
}

/// The held question was let go (or replaced) between reading it and answering it.
private struct HeldQuestionGone: Error {}
