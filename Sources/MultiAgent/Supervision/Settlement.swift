import ProcessKit
import ProviderKit

/// How a run's output and ending decide the agent's state — pure functions, no I/O: folding parsed
/// events into the record while the CLI runs, and the status a finished run settles in.
///
/// The table ``settle(_:exit:signal:)`` implements, first match wins:
///
/// | signal file | record | exit | status |
/// |---|---|---|---|
/// | invalid | | | failed ("invalid signal file: …") |
/// | questions | | | waiting_for_input |
/// | done | | | completed (its result, else the last result seen) |
/// | error | | | failed (its error) |
/// | none | native questions pending | | waiting_for_input |
/// | none | no error | 0 | completed |
/// | none | | code n | failed (the last error, else "exited with code n") |
/// | none | | killed by a signal | crashed |
/// | none | a result and no error | nobody saw it end | completed |
/// | none | | nobody saw it end | crashed |
enum Settlement {
  /// The most bytes of a result or error text kept in the record (it goes into the database and
  /// every `list --json`); the whole text stays in the agent's log.
  static let textLimit = 64 * 1024

  /// Applies `events` to `record`: the session id, the latest result or error (each capped by
  /// ``capped(_:)``), native questions.
  /// Whether ``fold(_:into:)`` changes anything of the record for `event` (the others are kept in
  /// the log only).
  static func changesTheRecord(_ event: AgentEvent) -> Bool {
    switch event.kind {
    case .sessionStarted, .result, .question, .exhausted, .error: true
    default: false
    }
  }

  static func fold(_ events: [AgentEvent], into record: inout AgentRecord) {
    for event in events {
      switch event.kind {
      case .sessionStarted(let id):
        if record.sessionID == nil { record.sessionID = id }
      case .result(let text, let isError):
        if isError {
          record.error = capped(text ?? "the run ended with an error")
        } else {
          record.result = text.map(capped)
          record.error = nil
        }
      case .question(let questions):
        record.pendingQuestions = questions
      case .exhausted(_, let message):
        record.error = capped(message)
      case .error(let message):
        if record.error == nil { record.error = capped(message) }
      default:
        break
      }
    }
  }

  /// `text`, or when it is longer than ``textLimit`` bytes of UTF-8, its first ``textLimit`` bytes
  /// (cut at a character boundary) and "… [truncated: N bytes]" saying how many were left out.
  static func capped(_ text: String) -> String {
    let utf8 = text.utf8
    guard utf8.count > textLimit else { return text }
    var end = utf8.index(utf8.startIndex, offsetBy: textLimit)
    while end > utf8.startIndex && end.samePosition(in: text.unicodeScalars) == nil {
      end = utf8.index(before: end)
    }
    let kept = text.unicodeScalars[..<end]
    return String(kept) + "… [truncated: \(utf8.count - utf8.distance(from: utf8.startIndex, to: end)) bytes]"
  }

  /// How a run that ended settles.
  struct Decision: Equatable {
    var status: AgentStatus
    var result: String?
    var error: String?
    var questions: [PendingQuestion]
    var message: String
  }

  /// Decides the status after the CLI exited.
  ///
  /// - Parameters:
  ///   - record: the record with everything parsed folded in.
  ///   - exit: how the CLI ended, or `nil` when nobody saw it end (reconciled after a crash).
  ///   - signal: the signal file as read after the exit.
  static func settle(
    _ record: AgentRecord, exit: ExitStatus?, signal: Result<AgentSignal?, SignalError>
  ) -> Decision {
    switch signal {
    case .failure(let error):
      return Decision(
        status: .failed, result: nil, error: "invalid signal file: \(error.message)", questions: [],
        message: "the agent wrote an invalid signal file")
    case .success(.questions(let questions)?):
      return Decision(
        status: .waitingForInput, result: nil, error: nil, questions: questions,
        message: "waiting for answers to \(questions.count) question(s)")
    case .success(.done(let result)?):
      let text = result.isEmpty ? record.result : capped(result)
      return Decision(status: .completed, result: text, error: nil, questions: [], message: "completed")
    case .success(.error(let message)?):
      return Decision(
        status: .failed, result: nil, error: capped(message), questions: [],
        message: "the agent reported an error")
    case .success(nil):
      break
    }
    if !record.pendingQuestions.isEmpty {
      return Decision(
        status: .waitingForInput, result: nil, error: nil, questions: record.pendingQuestions,
        message: "waiting for answers to \(record.pendingQuestions.count) question(s)")
    }
    switch exit {
    case .exited(0)? where record.error == nil:
      return Decision(
        status: .completed, result: record.result, error: nil, questions: [], message: "completed")
    case .exited(let code)?:
      let error = record.error ?? "\(record.provider) exited with code \(code)"
      return Decision(
        status: .failed, result: nil, error: error, questions: [], message: "exited with code \(code)")
    case .signaled(let number)?:
      let reason = "\(record.provider) was killed by signal \(number)\(signalName(number))"
      return Decision(status: .crashed, result: nil, error: reason, questions: [], message: reason)
    case nil:
      if record.error == nil, let result = record.result {
        return Decision(status: .completed, result: result, error: nil, questions: [], message: "completed")
      }
      let reason =
        record.error.map { "the CLI exited while no supervisor was watching; last error: \($0)" }
        ?? "the CLI and its supervisor exited without a result"
      return Decision(status: .crashed, result: nil, error: reason, questions: [], message: reason)
    }
  }

  private static func signalName(_ number: Int32) -> String {
    switch number {
    case 9: " (SIGKILL)"
    case 15: " (SIGTERM)"
    case 2: " (SIGINT)"
    case 6: " (SIGABRT)"
    case 11: " (SIGSEGV)"
    case 1: " (SIGHUP)"
    default: ""
    }
  }
}
