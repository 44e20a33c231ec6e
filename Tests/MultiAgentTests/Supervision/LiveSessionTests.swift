import Foundation
import JSONKit
import ProcessKit
import ProviderKit
import Testing

@testable import MultiAgent

#if canImport(Glibc)
  import Glibc
#endif

/// When a live run's standard input closes (and so when its CLI exits): once every message written
/// was taken by the CLI and a turn ended after the last of them — however the CLI grouped the
/// messages into turns.
@Suite struct LiveSessionTests {
  /// A session on a real pipe, its prompt written; the read end is drained by the test.
  static func session() throws -> LiveSession {
    let pipe = try InputPipe()
    let live = LiveSession(mode: .claudeStreamJSON, pipe: pipe, holdFor: .seconds(60))
    live.send("the prompt")
    return live
  }

  @Test func aMessageTakenIntoTheTurnGoingOnEndsWithThatTurn() throws {
    let live = try Self.session()
    live.messageTaken(id: nil)
    live.send("a message written during a tool call")
    live.messageTaken(id: nil)  // claude folds it into the same turn
    #expect(!live.pipe.isClosed)
    live.turnEnded()  // one result for both messages
    #expect(live.pipe.isClosed, "both messages were taken and their turn ended")
  }

  @Test func aMessageNotYetTakenKeepsTheInputOpenPastAResult() throws {
    let live = try Self.session()
    live.messageTaken(id: nil)
    live.send("a message written as the turn ended")
    live.turnEnded()
    #expect(!live.pipe.isClosed, "the CLI has not taken the second message yet")
    live.messageTaken(id: nil)  // a turn of its own
    #expect(!live.pipe.isClosed)
    live.turnEnded()
    #expect(live.pipe.isClosed)
  }

  @Test func anEchoNamesTheMessageItTookByIDAndOlderOnesWereTakenToo() throws {
    let live = try Self.session()
    let first = AgentInbox.Message(name: "1.txt", text: "one")
    let second = AgentInbox.Message(name: "2.txt", text: "two")
    let third = AgentInbox.Message(name: "3.txt", text: "three")
    for message in [first, second, third] { live.send(message.text, carrying: message) }
    #expect(live.isWritten(first) && live.isWritten(third))
    #expect(live.messageTaken(id: "not-written-here").isEmpty, "an echo of another message")
    #expect(live.untaken.count == 4, "the prompt and three messages")
    // The prompt's echo missed: the second message's echo says the prompt and the first went too.
    #expect(live.messageTaken(id: second.id) == [first, second])
    #expect(!live.isWritten(first) && !live.isWritten(second) && live.isWritten(third))
    #expect(live.untaken.map(\.message) == [third], "the CLI exiting now has not taken the third")
    live.turnEnded()
    #expect(!live.pipe.isClosed)
    #expect(live.messageTaken(id: third.id) == [third])
    live.turnEnded()
    #expect(live.pipe.isClosed)
    #expect(!live.echoesNothing)
  }

  @Test func anInboxMessageHasTheSameUUIDShapedIDForTheSameName() {
    let message = AgentInbox.Message(name: "00001796333211750175-25257.txt", text: "x")
    #expect(message.id == AgentInbox.Message(name: message.name, text: "other").id)
    #expect(message.id != AgentInbox.Message(name: "00001796333211750175-25258.txt", text: "x").id)
    #expect(UUID(uuidString: message.id) != nil, "\(message.id)")
    #expect(message.id == message.id.lowercased())
  }

  @Test func aCLIThatEchoesNothingHasOneTurnPerMessage() throws {
    let live = try Self.session()
    live.send("second")
    #expect(!live.echoesNothing, "not known before a turn ended")
    live.turnEnded()
    #expect(!live.pipe.isClosed)
    #expect(live.echoesNothing)
    live.turnEnded()
    #expect(live.pipe.isClosed)
  }

  @Test func aHeldQuestionKeepsTheInputOpenUntilItIsAnswered() throws {
    let live = try Self.session()
    live.messageTaken(id: nil)
    let request = PermissionRequest(
      requestID: "r1", toolName: "AskUserQuestion", input: #"{"questions":[]}"#,
      questions: [PendingQuestion(id: "q1", question: "Which?", options: [])])
    live.hold(request)
    #expect(live.deliver(answers: JSONObject(keys: ["Which?"], values: [.string("This one")])))
    #expect(!live.pipe.isClosed, "the turn goes on with the answers")
    live.turnEnded()
    #expect(live.pipe.isClosed)
  }
}
