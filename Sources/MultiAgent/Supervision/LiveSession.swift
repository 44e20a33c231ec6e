import Foundation
import JSONKit
import ProcessKit
import ProviderKit

#if canImport(Glibc)
  import Glibc
#endif

/// One run's live channel (see ``LiveInput``): the supervisor's end of the CLI's standard input and
/// what is going on over it — turns asked and ended, and a question held open while the CLI waits.
///
/// The CLI gets the prompt, then each message sent meanwhile, as user messages, each under an id. A
/// message written while a turn runs may go into that turn or make the next one, so the session
/// counts what the CLI says it took (it echoes each message, under its id, as it takes it:
/// ``AgentEvent/Kind/messageTaken(id:text:)``): once every message written was taken, a turn ended
/// after the last of them, and no question is held, standard input is closed and the CLI exits. A
/// CLI that echoes nothing is taken to make one turn of each message. A question (Claude's
/// AskUserQuestion, asked as a permission request) makes the agent `waiting_for_input` while the CLI stays alive; `answer`
/// writes ``AgentPaths/liveAnswer`` and the answers go into the same turn. Nobody answering within
/// `questions.holdFor` makes the supervisor tell the model to end its turn: the CLI exits and the
/// agent keeps waiting, answerable by resuming the session.
final class LiveSession {
  let mode: LiveInput
  let pipe: InputPipe
  /// How long a question is held open.
  let holdFor: Duration
  /// User messages written, and turns ended (`result` lines).
  private(set) var messagesSent = 0
  private(set) var turnsEnded = 0
  /// Whether a message was taken since the last turn ended.
  private var turnGoing = false
  /// Whether the CLI echoed a message it took (then every turn's end follows the echo of each
  /// message the turn took).
  private(set) var echoes = false
  /// The user messages written and not yet taken, oldest first. The CLI takes them in the order
  /// written.
  private(set) var untaken: [Written] = []

  /// A user message written: the id it went with, and the inbox message it carries (nil for the
  /// prompt).
  struct Written: Equatable {
    var id: String
    var message: AgentInbox.Message?
  }

  /// The question the CLI waits on, if any.
  private(set) var held: HeldQuestion?
  /// Whether a held question was let go unanswered this run (the agent keeps waiting).
  private(set) var releasedUnanswered = false
  /// The tool call of a question answered into the pipe whose result (the CLI took the answers)
  /// has not come yet: until it does, the answers are kept on disk to resume the session with.
  private(set) var answeredToolUse: String?

  /// A question the CLI waits on.
  struct HeldQuestion {
    var request: PermissionRequest
    var since: ContinuousClock.Instant
  }

  /// The message the model gets when nobody answered in time.
  static let answerLater =
    "The user is not here to answer now and will answer later. End your turn now, without doing "
    + "anything else: you will be resumed in this same conversation with the answers."

  init(mode: LiveInput, pipe: InputPipe, holdFor: Duration) {
    self.mode = mode
    self.pipe = pipe
    self.holdFor = holdFor
  }

  /// Writes a user message — into the turn going on, or a new one — carrying `message` from the
  /// inbox, if any (under that message's ``AgentInbox/Message/id``).
  func send(_ text: String, carrying message: AgentInbox.Message? = nil) {
    let id = message?.id ?? UUID().uuidString.lowercased()
    messagesSent += 1
    untaken.append(Written(id: id, message: message))
    pipe.write(mode.userMessage(text, id: id))
  }

  /// The CLI took the message written under `id` (without an id: the oldest one), and so every
  /// message written before it: a turn goes on until the next `result`. An echo of a message not
  /// written here (or taken already) changes nothing.
  ///
  /// - Returns: the inbox messages now taken.
  @discardableResult
  func messageTaken(id: String?) -> [AgentInbox.Message] {
    let index = id.map { id in untaken.firstIndex { $0.id == id } } ?? (untaken.isEmpty ? nil : 0)
    guard let index else { return [] }
    echoes = true
    turnGoing = true
    let taken = untaken[...index].compactMap(\.message)
    untaken.removeFirst(index + 1)
    return taken
  }

  /// Whether `message` was written and not yet taken.
  func isWritten(_ message: AgentInbox.Message) -> Bool {
    untaken.contains { $0.message?.name == message.name }
  }

  /// A `result` line: one turn ended. Closes the channel when nothing more is to come.
  func turnEnded() {
    turnsEnded += 1
    turnGoing = false
    closeIfDone()
  }

  /// Whether every message written has had its turn end (a held question aside): the CLI has
  /// nothing more to do.
  var turnsAreOver: Bool {
    echoes ? untaken.isEmpty && !turnGoing : turnsEnded >= messagesSent
  }

  /// Whether the CLI never echoes what it takes: a turn ended without an echo before it.
  var echoesNothing: Bool { !echoes && turnsEnded > 0 }

  /// Holds `request` (a question the CLI now waits on).
  func hold(_ request: PermissionRequest) {
    held = HeldQuestion(request: request, since: .now)
  }

  /// Allows a permission request as asked (permissions are bypassed; only questions are held).
  func allow(_ request: PermissionRequest) {
    pipe.write(mode.allow(requestID: request.requestID, input: Self.object(request.input)))
  }

  /// Answers the held question: its tool input plus `answers` (question text → answer).
  ///
  /// - Returns: whether they went into the pipe (`false`: the CLI is gone; the question stays held).
  @discardableResult
  func deliver(answers: JSONObject) -> Bool {
    guard let held else { return false }
    var input = Self.object(held.request.input).objectValue ?? JSONObject()
    input["answers"] = .object(answers)
    guard pipe.write(mode.allow(requestID: held.request.requestID, input: .object(input))) else {
      return false
    }
    self.held = nil
    answeredToolUse = held.request.toolUseID
    closeIfDone()
    return true
  }

  /// A tool's result: whether it is that of the answered question (the CLI took the answers).
  func answersTaken(byResultOf toolUse: String?) -> Bool {
    guard let toolUse, toolUse == answeredToolUse else { return false }
    answeredToolUse = nil
    return true
  }

  /// Lets the held question go unanswered: the model is told to end its turn.
  func release() {
    guard let held else { return }
    pipe.write(mode.deny(requestID: held.request.requestID, message: Self.answerLater))
    self.held = nil
    releasedUnanswered = true
  }

  /// Whether the held question has waited longer than ``holdFor``.
  var holdExpired: Bool {
    held.map { ContinuousClock.now - $0.since >= holdFor } ?? false
  }

  private func closeIfDone() {
    if held == nil && turnsAreOver { pipe.close() }
  }

  private static func object(_ text: String) -> JSONValue {
    (try? JSONParser.parse(text)) ?? .object(JSONObject())
  }
}

extension LiveSession {
  /// The held question on disk (``AgentPaths/heldQuestion``), for `answer` and reconcile.
  static func writeHeld(_ request: PermissionRequest, to path: String, released: Bool = false) throws {
    try FileSystem.makePrivateDirectory((path as NSString).deletingLastPathComponent)
    let questions = JSONValue.array(
      request.questions.map {
        .object(JSONObject(keys: ["id", "question"], values: [.string($0.id), .string($0.question)]))
      })
    var object = JSONObject(
      keys: ["request_id", "tool_name", "questions", "released"],
      values: [.string(request.requestID), .string(request.toolName), questions, .bool(released)])
    if let toolUse = request.toolUseID { object["tool_use_id"] = .string(toolUse) }
    try FileSystem.writeSecure(JSONWriter.bytes(.object(object)), to: path)
  }

  /// The tool call of the question held at `path`, if one is held and its call is known.
  static func heldToolUse(at path: String) -> String? {
    guard let data = FileSystem.contents(atPath: path) else { return nil }
    return (try? JSONParser.parse(Array(data)))?["tool_use_id"]?.stringValue
  }

  /// The held question's request id and questions (id → text), and whether it was let go (the CLI
  /// is ending its turn), if one is held.
  static func readHeld(at path: String) -> (
    requestID: String, questions: [(id: String, text: String)], released: Bool
  )? {
    guard let data = FileSystem.contents(atPath: path),
      let value = try? JSONParser.parse(Array(data)),
      let id = value["request_id"]?.stringValue
    else { return nil }
    let questions = (value["questions"]?.arrayValue ?? []).compactMap { item -> (String, String)? in
      guard let id = item["id"]?.stringValue, let text = item["question"]?.stringValue else { return nil }
      return (id, text)
    }
    return (id, questions, value["released"]?.boolValue ?? false)
  }

  /// Writes the answers for the supervisor to deliver: request id, question text → answer, and the
  /// resume prompt that carries them should the CLI be gone before they reach it.
  static func writeAnswers(
    requestID: String, _ answers: [(question: String, answer: String)], resumePrompt: String, to path: String
  )
    throws
  {
    let map = JSONObject(keys: answers.map(\.question), values: answers.map { .string($0.answer) })
    let object = JSONObject(
      keys: ["request_id", "answers", "resume_prompt"],
      values: [.string(requestID), .object(map), .string(resumePrompt)])
    try FileSystem.writeSecure(JSONWriter.bytes(.object(object)), to: path)
  }

  /// The resume prompt of answers `answer` wrote, if any.
  static func readResumePrompt(at path: String) -> String? {
    guard let data = FileSystem.contents(atPath: path) else { return nil }
    return (try? JSONParser.parse(Array(data)))?["resume_prompt"]?.stringValue
  }

  /// The answers `answer` wrote, if they are for request `requestID`.
  static func readAnswers(at path: String, requestID: String) -> JSONObject? {
    guard let data = FileSystem.contents(atPath: path),
      let value = try? JSONParser.parse(Array(data)),
      value["request_id"]?.stringValue == requestID
    else { return nil }
    return value["answers"]?.objectValue
  }
}
