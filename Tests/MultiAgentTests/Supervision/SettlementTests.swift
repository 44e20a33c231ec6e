import Foundation
import ProcessKit
import ProviderKit
import Testing

@testable import MultiAgent

private typealias CLIExit = ProcessKit.ExitStatus

/// The settlement table: how a finished run's signal file, parsed output and exit decide the status.
@Suite struct SettlementTests {
  let record = AgentRecord(id: "a1", name: "a", provider: "codex", status: .running)
  let question = PendingQuestion(id: "q1", question: "Which database?", options: ["sqlite", "postgres"])

  private func settle(
    _ record: AgentRecord, exit: CLIExit?, signal: Result<AgentSignal?, SignalError> = .success(nil)
  ) -> Settlement.Decision {
    Settlement.settle(record, exit: exit, signal: signal)
  }

  @Test func aDoneSignalCompletesWithItsResultWhateverTheExit() {
    for exit in [CLIExit.exited(0), .exited(1), .signaled(9), nil] {
      let decision = settle(record, exit: exit, signal: .success(.done(result: "All green.")))
      #expect(decision.status == .completed && decision.result == "All green." && decision.error == nil)
    }
  }

  @Test func anEmptyDoneResultKeepsTheLastResultSeen() {
    var seen = record
    seen.result = "from the stream"
    #expect(settle(seen, exit: .exited(0), signal: .success(.done(result: ""))).result == "from the stream")
  }

  @Test func questionsInTheSignalWaitForInput() {
    let decision = settle(record, exit: .exited(0), signal: .success(.questions([question])))
    #expect(decision.status == .waitingForInput && decision.questions == [question])
  }

  @Test func anErrorSignalFailsWithItsMessage() {
    let decision = settle(record, exit: .exited(0), signal: .success(.error("cannot reach the API")))
    #expect(decision.status == .failed && decision.error == "cannot reach the API")
  }

  @Test func anInvalidSignalFileFailsSayingSo() {
    let decision = settle(record, exit: .exited(0), signal: .failure(SignalError("not JSON")))
    #expect(decision.status == .failed && decision.error?.hasPrefix("invalid signal file:") == true)
  }

  @Test func nativeQuestionsWithoutASignalWaitForInput() {
    var asked = record
    asked.pendingQuestions = [question]
    #expect(settle(asked, exit: .exited(0)).status == .waitingForInput)
  }

  @Test func aCleanExitWithoutErrorCompletes() {
    var seen = record
    seen.result = "done"
    let decision = settle(seen, exit: .exited(0))
    #expect(decision.status == .completed && decision.result == "done")
  }

  @Test func aCleanExitAfterAnErrorFailsWithThatError() {
    var seen = record
    seen.error = "model overloaded"
    let decision = settle(seen, exit: .exited(0))
    #expect(decision.status == .failed && decision.error == "model overloaded")
  }

  @Test func aNonZeroExitFailsNamingTheCode() {
    let decision = settle(record, exit: .exited(3))
    #expect(decision.status == .failed && decision.error == "codex exited with code 3")
  }

  @Test func aSignalCrashesNamingIt() {
    let decision = settle(record, exit: .signaled(9))
    #expect(decision.status == .crashed && decision.error == "codex was killed by signal 9 (SIGKILL)")
  }

  @Test func anUnseenEndCompletesOnlyWithAResultAndNoError() {
    var withResult = record
    withResult.result = "finished"
    #expect(settle(withResult, exit: nil).status == .completed)
    #expect(settle(record, exit: nil).status == .crashed)
    var withError = withResult
    withError.error = "boom"
    let decision = settle(withError, exit: nil)
    #expect(decision.status == .crashed && decision.error?.contains("last error: boom") == true)
  }

  @Test func everyDecisionIsALegalSettlementFromRunning() {
    let signals: [Result<AgentSignal?, SignalError>] = [
      .success(nil), .success(.done(result: "r")), .success(.questions([question])), .success(.error("e")),
      .failure(SignalError("bad")),
    ]
    for signal in signals {
      for exit in [CLIExit.exited(0), .exited(2), .signaled(15), nil] {
        let status = settle(record, exit: exit, signal: signal).status
        #expect(AgentStatus.running.canChange(to: status), "running → \(status)")
        #expect(StatusChange.settle(to: status).from.contains(.running))
      }
    }
  }

  @Test func foldingKeepsTheFirstSessionTheLatestResultAndQuestions() {
    var folded = record
    Settlement.fold(
      [
        AgentEvent(offset: 0, kind: .sessionStarted(id: "s-1")),
        AgentEvent(offset: 10, kind: .sessionStarted(id: "s-2")),
        AgentEvent(offset: 20, kind: .error(message: "transient")),
        AgentEvent(offset: 30, kind: .result(text: "first", isError: false)),
        AgentEvent(offset: 40, kind: .question([question])),
        AgentEvent(offset: 50, kind: .result(text: "second", isError: false)),
      ], into: &folded)
    #expect(folded.sessionID == "s-1")
    #expect(folded.result == "second" && folded.error == nil)
    #expect(folded.pendingQuestions == [question])
  }

  @Test func foldingAUsageLimitRecordsItsMessageAsTheError() {
    var folded = record
    Settlement.fold(
      [AgentEvent(offset: 0, kind: .exhausted(resetAt: nil, message: "limit hit"))], into: &folded)
    #expect(folded.error == "limit hit")
  }
}
