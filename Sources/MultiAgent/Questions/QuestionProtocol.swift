import ProviderKit

/// The question protocol's texts: the preamble appended to every prompt, and the resume prompt
/// that carries the user's answers.
enum QuestionProtocol {
  /// The environment variable naming the agent's signal file.
  static let signalFileVariable = "MULTIAGENT_SIGNAL_FILE"

  /// The preamble appended to an agent's task, telling it where and how to signal.
  ///
  /// Kept short, and sparing of distinct words (the shapes' labels repeat words already there):
  /// codex ranks its skills against every distinct word of a prompt before its first request
  /// (~45,000 instructions per letter of each distinct word, measured with callgrind), so each new
  /// word here delays every codex agent's start.
  static func preamble(signalFile: String) -> String {
    """


    ---
    When done, or to ask the user, write one JSON object to $\(signalFileVariable) \
    (\(signalFile)) and end your turn:
    - done: {"status":"done","result":"<summary>"}
    - ask: {"status":"questions","questions":[{"id":"q1","question":"<question>","options":["<option>"]}]}
    - error: {"status":"error","error":"<error>"}
    Ask only this way; you will be resumed in this session with the answers.
    """
  }

  /// `prompt` without the preamble at its end: this build's, or the one earlier builds appended
  /// (an agent spawned before an upgrade keeps its prompt file).
  static func withoutPreamble(_ prompt: String, signalFile: String) -> String {
    for preamble in [preamble(signalFile: signalFile), earlierPreamble(signalFile: signalFile)]
    where prompt.hasSuffix(preamble) {
      return String(prompt.dropLast(preamble.count))
    }
    return prompt
  }

  /// The preamble builds before 2026-12-04 appended.
  private static func earlierPreamble(signalFile: String) -> String {
    """


    ---
    When you have finished, or when you need a decision from the user before you can go on, write \
    exactly one JSON object to the file named by the environment variable \(signalFileVariable) \
    (\(signalFile)) using your shell or file-writing tool, then end your turn:
    - finished: {"status":"done","result":"<one-paragraph summary of what you did>"}
    - need decisions: {"status":"questions","questions":[{"id":"q1","question":"<question>","options":["<option>"]}]}
    - cannot go on: {"status":"error","error":"<what went wrong>"}
    Ask questions only this way; you will be resumed in this same session with the answers.
    """
  }

  /// The resume prompt carrying `answers` (question id → answer) to `questions`.
  ///
  /// - Throws: `AnswerError` when an answer names an unknown question or a question is unanswered.
  static func answerPrompt(
    questions: [PendingQuestion], answers: [(id: String, answer: String)]
  ) throws(AnswerError) -> String {
    let known = Set(questions.map(\.id))
    for answer in answers where !known.contains(answer.id) {
      throw AnswerError(
        "no pending question \"\(answer.id)\" (pending: \(questions.map(\.id).joined(separator: ", ")))")
    }
    let answered = Dictionary(answers.map { ($0.id, $0.answer) }, uniquingKeysWith: { _, last in last })
    let missing = questions.map(\.id).filter { answered[$0] == nil }
    if !missing.isEmpty {
      throw AnswerError(
        "no answer for \(missing.joined(separator: ", "))", missing: missing)
    }
    var lines = ["The user answered your questions:"]
    for question in questions {
      lines.append("- \(question.id) (\(question.question)): \(answered[question.id]!)")
    }
    lines.append(continuation)
    return lines.joined(separator: "\n")
  }

  /// The resume prompt for one free-text answer to all pending questions.
  static func answerPrompt(questions: [PendingQuestion], freeText: String) -> String {
    var lines = ["The user answered your questions."]
    if !questions.isEmpty {
      lines.append("Your questions were:")
      for question in questions { lines.append("- \(question.id): \(question.question)") }
    }
    lines.append("The answer: \(freeText)")
    lines.append(continuation)
    return lines.joined(separator: "\n")
  }

  private static let continuation =
    "Continue the task with these answers. When you finish or need more decisions, write the signal "
    + "file (\(signalFileVariable)) again as before."
}

/// Answers that cannot be delivered.
struct AnswerError: Error, Sendable, Hashable, CustomStringConvertible {
  /// What is wrong.
  var message: String
  /// The ids of the questions left without an answer, when that is what is wrong.
  var missing: [String]
  /// Creates an error.
  init(_ message: String, missing: [String] = []) {
    self.message = message
    self.missing = missing
  }
  /// The message.
  var description: String { message }
}
