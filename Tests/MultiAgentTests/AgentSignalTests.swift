import Foundation
@testable import MultiAgent
import ProviderKit
import TestSupport
import Testing

/// The signal file: read after exit, size-capped, validated; bad input is a clear error.
@Suite struct AgentSignalTests {
  let directory: TemporaryDirectory
  init() throws { directory = try TemporaryDirectory(prefix: "signal") }

  func write(_ text: String) throws -> String {
    let path = directory.path("signal-\(UUID().uuidString.prefix(6)).json")
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    return path
  }

  @Test func doneCarriesTheResult() throws {
    let signal = try AgentSignal.read(at: write(#"{"status":"done","result":"Fixed the test."}"#))
    #expect(signal == .done(result: "Fixed the test."))
  }

  @Test func questionsGetIDsAndOptions() throws {
    let text = #"""
      {"status":"questions","questions":[
        {"id":"db","question":"Which database?","options":["PostgreSQL","SQLite"]},
        {"question":"Keep the old API?"},
        "Ship today?"]}
      """#
    let signal = try AgentSignal.read(at: write(text))
    #expect(
      signal
        == .questions([
          PendingQuestion(id: "db", question: "Which database?", options: ["PostgreSQL", "SQLite"]),
          PendingQuestion(id: "q2", question: "Keep the old API?"),
          PendingQuestion(id: "q3", question: "Ship today?"),
        ]))
  }

  @Test func errorSignal() throws {
    #expect(
      try AgentSignal.read(at: write(#"{"status":"error","error":"no network"}"#)) == .error("no network"))
  }

  @Test func missingFileIsNoSignal() throws {
    #expect(try AgentSignal.read(at: directory.path("absent.json")) == nil)
  }

  @Test(arguments: [
    ("{\"status\":\"done\"", "not valid JSON"),
    ("[1,2]", "must be a JSON object"),
    (#"{"result":"x"}"#, "missing \"status\""),
    (#"{"status":"finished"}"#, "unknown status"),
    (#"{"status":"questions","questions":[]}"#, "non-empty array"),
    (#"{"status":"questions","questions":[{"id":"../x","question":"q"}]}"#, "invalid id"),
    (
      #"{"status":"questions","questions":[{"id":"a","question":"q"},{"id":"a","question":"r"}]}"#,
      "used twice"
    ),
    (#"{"status":"questions","questions":[{"question":"  "}]}"#, "is empty"),
    (#"{"status":"error"}"#, "non-empty \"error\""),
    (#"{"status":"done","result":42}"#, "must be a string"),
  ])
  func malformedSignalsAreClearErrors(_ text: String, _ expected: String) throws {
    let path = try write(text)
    let error = #expect(throws: SignalError.self) { try AgentSignal.read(at: path) }
    #expect(error?.message.contains(expected) == true, "\(error?.message ?? "no error")")
    #expect(error?.message.contains(path) == true)
  }

  @Test func oversizedSignalIsRejectedWithoutReadingIt() throws {
    let path = directory.path("big.json")
    let big = #"{"status":"done","result":""# + String(repeating: "x", count: AgentSignal.maximumSize) + "\"}"
    try Data(big.utf8).write(to: URL(fileURLWithPath: path))
    let error = #expect(throws: SignalError.self) { try AgentSignal.read(at: path) }
    #expect(error?.message.contains("limit is") == true)
  }

  @Test func aDirectoryOrSymlinkIsNotASignal() throws {
    let folder = directory.path("dir")
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    #expect(throws: SignalError.self) { try AgentSignal.read(at: folder) }
    let link = directory.path("link")
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "/etc/passwd")
    #expect(throws: SignalError.self) { try AgentSignal.read(at: link) }
  }

  @Test func aFileWithAnotherHardLinkIsNotASignal() throws {
    let outside = try write(#"{"status":"done","result":"someone else's"}"#)
    let link = directory.path("hard-link")
    try FileManager.default.linkItem(atPath: outside, toPath: link)
    let error = #expect(throws: SignalError.self) { try AgentSignal.read(at: link) }
    #expect(error?.message.contains("2 hard links") == true, "\(error?.message ?? "no error")")
    try FileManager.default.removeItem(atPath: outside)
    #expect(try AgentSignal.read(at: link) == .done(result: "someone else's"))
  }

  @Test func binaryGarbageIsAnError() throws {
    let path = directory.path("garbage")
    try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7919) }).write(to: URL(fileURLWithPath: path))
    #expect(throws: SignalError.self) { try AgentSignal.read(at: path) }
  }
}

/// Answers become one resume prompt quoting each question id and text with its answer.
@Suite struct AnswerPromptTests {
  let questions = [
    PendingQuestion(id: "q1", question: "Which database?", options: ["PostgreSQL", "SQLite"]),
    PendingQuestion(id: "q2", question: "Keep the old API?"),
  ]

  @Test func everyAnswerIsQuotedWithItsQuestion() throws {
    let prompt = try QuestionProtocol.answerPrompt(
      questions: questions, answers: [("q2", "no"), ("q1", "SQLite")])
    #expect(prompt.contains("- q1 (Which database?): SQLite"))
    #expect(prompt.contains("- q2 (Keep the old API?): no"))
    #expect(prompt.contains("MULTIAGENT_SIGNAL_FILE"))
  }

  @Test func unknownQuestionIsAnError() {
    let error = #expect(throws: AnswerError.self) {
      try QuestionProtocol.answerPrompt(questions: questions, answers: [("q9", "x")])
    }
    #expect(error?.message.contains("pending: q1, q2") == true)
  }

  @Test func unansweredQuestionIsAnError() {
    let error = #expect(throws: AnswerError.self) {
      try QuestionProtocol.answerPrompt(questions: questions, answers: [("q1", "x")])
    }
    #expect(error?.message.contains("no answer for q2") == true)
  }

  @Test func freeTextAnswersEverything() {
    let prompt = QuestionProtocol.answerPrompt(
      questions: questions, freeText: "Use SQLite and drop the old API")
    #expect(prompt.contains("q1: Which database?"))
    #expect(prompt.contains("The answer: Use SQLite and drop the old API"))
  }

  @Test func preambleNamesTheSignalFileAndTheShapes() {
    let text = QuestionProtocol.preamble(signalFile: "/h/agents/a1/signal.json")
    #expect(text.contains("/h/agents/a1/signal.json"))
    #expect(text.contains(#"{"status":"done""#))
    #expect(text.contains(#"{"status":"questions""#))
    #expect(text.contains(#"{"status":"error""#))
    #expect(text.contains("$MULTIAGENT_SIGNAL_FILE"))
  }

  @Test func thePreambleOfThisBuildOrAnEarlierOneIsTakenOffATask() {
    let file = "/h/agents/a1/signal.json"
    let task = "Fix the flaky test\n\n---\nkeep this rule"
    #expect(
      QuestionProtocol.withoutPreamble(
        task + QuestionProtocol.preamble(signalFile: file), signalFile: file) == task)
    let earlier = """
      \(task)

      ---
      When you have finished, or when you need a decision from the user before you can go on, write \
      exactly one JSON object to the file named by the environment variable MULTIAGENT_SIGNAL_FILE \
      (\(file)) using your shell or file-writing tool, then end your turn:
      - finished: {"status":"done","result":"<one-paragraph summary of what you did>"}
      - need decisions: {"status":"questions","questions":[{"id":"q1","question":"<question>","options":["<option>"]}]}
      - cannot go on: {"status":"error","error":"<what went wrong>"}
      Ask questions only this way; you will be resumed in this same session with the answers.
      """
    #expect(QuestionProtocol.withoutPreamble(earlier, signalFile: file) == task)
    // Another agent's preamble, or none, is left as it is.
    let other = task + QuestionProtocol.preamble(signalFile: "/h/agents/b2/signal.json")
    #expect(QuestionProtocol.withoutPreamble(other, signalFile: file) == other)
    #expect(QuestionProtocol.withoutPreamble(task, signalFile: file) == task)
  }
}

/// Agent names.
@Suite struct AgentNameTests {
  @Test(arguments: [
    "a", "fix-flaky-test", "9lives", String(repeating: "a", count: 63), "0123456789abcde",
    "0123456789abcdef0",
    "0123456789abcdeg",
  ])
  func validNames(_ name: String) { #expect(AgentNames.isValid(name)) }

  @Test(arguments: [
    "", "-x", "../x", "Upper", "a_b", "a b", "é", String(repeating: "a", count: 64), "0123456789abcdef",
    "ffffffffffffffff",
  ])
  func invalidNames(_ name: String) {
    #expect(!AgentNames.isValid(name))
    #expect(AgentNames.problem(with: name)?.contains("invalid agent name") == true)
  }

  @Test func generatedNamesAreValidAndAvoidTakenOnes() {
    var taken: Set<String> = []
    for _ in 0..<300 {
      let name = AgentNames.generate { taken.contains($0) }
      #expect(AgentNames.isValid(name))
      #expect(!taken.contains(name))
      taken.insert(name)
    }
  }
}
