import Foundation
import JSONKit
import ProcessKit
import ProviderKit

#if canImport(Glibc)
  import Glibc
#endif

/// The live channel of a run (see ``LiveSession``): the prompt as the first message, permission
/// requests, questions held open and answered into the same turn, or let go after
/// `questions.holdFor`.
extension CLIRun {
  /// Starts the live session of a CLI just launched with a pipe for its standard input.
  func startLive(_ command: CommandSpec, pipe: InputPipe?) -> LiveSession? {
    guard let pipe, case .live(let mode, let prompt) = command.standardInput else { return nil }
    pipe.closeReadEnd()
    let hold = (try? QuestionSettings.load(home: home))?.holdFor ?? QuestionSettings.defaultHoldFor
    let live = LiveSession(mode: mode, pipe: pipe, holdFor: .milliseconds(Int64(hold * 1000)))
    live.send(prompt)
    return live
  }

  /// A permission request from the CLI: questions are held open for the user (the agent waits for
  /// input while the CLI stays alive); anything else is allowed as asked — the run bypasses
  /// permissions, so only a tool that needs the user asks.
  func handle(_ request: PermissionRequest, on live: LiveSession) {
    guard !request.questions.isEmpty else {
      live.allow(request)
      return
    }
    let held = logger.attempt("hold the question", agent: agentID) { () -> Bool in
      try LiveSession.writeHeld(request, to: paths.heldQuestion)
      let change = try store.transition(
        id: agentID, .holdQuestion,
        message: "asked \(request.questions.count) question(s); the CLI waits for the answers"
      ) { record in
        record.pendingQuestions = request.questions
      }
      return change.applied
    }
    if held == true {
      live.hold(request)
    } else {
      // Stopped meanwhile, or the question could not be kept: the model hears the user is away.
      unlink(paths.heldQuestion)
      live.hold(request)
      live.release()
    }
  }

  /// One turn of the follow loop for a live run: writes what the pipe can take, delivers answers to
  /// a held question, and lets the question go when nobody answered in time.
  func stepLive(_ live: LiveSession, _ ending: inout Ending) {
    deliverLive(live)
    live.pipe.flush()
    guard let held = live.held else { return }
    if let answers = LiveSession.readAnswers(at: paths.liveAnswer, requestID: held.request.requestID) {
      Failpoint.liveAnswerRead.hit()
      // A CLI gone meanwhile keeps the files: the run's end resumes the session with the answers.
      // So does one that exits before it takes them (its tool's result): they go once it did.
      if live.deliver(answers: answers), live.answeredToolUse == nil { answersTaken() }
      return
    }
    guard live.holdExpired else { return }
    // Under the store's lock, so that an answer racing the timeout either lands first (and is
    // delivered) or finds the question let go (and resumes the session later).
    let released = logger.attempt("let the held question go", agent: agentID) { () -> Bool in
      var released = false
      try store.update(id: agentID) { record in
        guard record.status == .waitingForInput, !FileSystem.exists(paths.liveAnswer) else { return }
        // Kept, marked let go, until the run ends: an answer meanwhile resumes the session through
        // this supervisor once the CLI has ended its turn.
        try LiveSession.writeHeld(held.request, to: paths.heldQuestion, released: true)
        released = true
      }
      return released
    }
    guard released == true else { return }
    live.release()
    ending.releasedQuestion = true
    event(
      "questions_released",
      "nobody answered within questions.holdFor; the CLI ends its turn and the agent keeps waiting: an "
        + "answer resumes the session")
  }
}

extension CLIRun {
  /// A tool's result, not an error, in a live run (or one adopted after its supervisor died): when
  /// it is that of a question whose answers were written to the CLI, the CLI took them, and the
  /// files that would resume the session with them go. (A CLI whose input closed before the answers
  /// reached it reports the question's call as an error: the answers stay, for the resume.)
  func toolResult(_ toolUse: String?, live: LiveSession?, adopted: Bool) {
    if let live {
      if live.answersTaken(byResultOf: toolUse) { answersTaken() }
    } else if adopted, let toolUse, FileSystem.exists(paths.liveAnswer),
      LiveSession.heldToolUse(at: paths.heldQuestion) == toolUse
    {
      answersTaken()
    }
  }

  private func answersTaken() {
    unlink(paths.liveAnswer)
    unlink(paths.heldQuestion)
  }
}

extension LiveSession {
  /// How often a live run is looked at when its CLI writes nothing: answers and messages reach the
  /// CLI this soon. What it writes (the end of a turn, after which it waits for its input to close
  /// before it exits; a question) wakes the supervisor at once (see ``ExitWatcher``).
  static let pollInterval: Duration = .milliseconds(200)
}

/// Messages sent to the agent (`send`, kept in its ``AgentInbox``): with the next run's prompt, or
/// into the running CLI's live channel at once.
extension CLIRun {
  /// `plan` with the messages waiting in the inbox added to its prompt, and those messages.
  func withMessages(_ plan: RunPlan) -> (RunPlan, [AgentInbox.Message]) {
    let messages = AgentInbox(paths: paths).pending()
    guard !messages.isEmpty else { return (plan, []) }
    var plan = plan
    plan.prompt += "\n\n" + AgentInbox.turn(messages.map(\.text))
    return (plan, messages)
  }

  /// Takes the messages a run's prompt carries out of the inbox and says so.
  func deliveredWithRun(_ messages: [AgentInbox.Message]) {
    guard !messages.isEmpty else { return }
    AgentInbox(paths: paths).remove(messages)
    event(
      "message_delivered", "\(messages.count) message(s) delivered with the run",
      data: JSONObject(
        keys: ["delivery", "count"], values: [.string("with_run"), .number(Double(messages.count))]))
  }

  /// Writes waiting messages into a live run whose turn is still going (Claude takes each into that
  /// turn or the next of the same run); once the run's turns are over they wait for the next run.
  /// Each stays in the inbox until the CLI takes it (``CLIRun/inspect(_:_:into:)``).
  func deliverLive(_ live: LiveSession) {
    guard !live.pipe.isClosed, !live.turnsAreOver else { return }
    let messages = AgentInbox(paths: paths).pending().filter { !live.isWritten($0) }
    guard !messages.isEmpty else { return }
    for message in messages { live.send(AgentInbox.turn([message.text]), carrying: message) }
    event(
      "message_delivered", "\(messages.count) message(s) delivered to the running CLI",
      data: JSONObject(
        keys: ["delivery", "count"], values: [.string("live"), .number(Double(messages.count))]))
  }

  /// At the end of a live run: messages written that the CLI did not take before it exited stay in
  /// the inbox, for the next run (a CLI that echoes nothing is taken to have had them all).
  func keepUntaken(_ live: LiveSession) {
    let untaken = live.untaken.compactMap(\.message)
    guard !untaken.isEmpty else { return }
    guard live.mode.echoesMessages, !live.echoesNothing else {
      AgentInbox(paths: paths).remove(untaken)
      return
    }
    event(
      "message_not_taken",
      "\(untaken.count) message(s) written to the CLI were not taken before it exited; they wait for "
        + "the next run",
      data: JSONObject(keys: ["count"], values: [.number(Double(untaken.count))]))
  }

  /// Appends an event of this agent's; a failure to store it is logged, not thrown.
  private func event(_ type: StoredEvent.EventType, _ message: String, data: JSONObject? = nil) {
    logger.attempt("store the \(type) event", agent: agentID) {
      try store.appendEvent(agentID: agentID, type: type, message: message, data: data.map(JSONValue.object))
    }
  }
}
