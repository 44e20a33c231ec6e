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
    live.messageTaken()
    live.send("a message written during a tool call")
    live.messageTaken()  // claude folds it into the same turn
    #expect(!live.pipe.isClosed)
    live.turnEnded()  // one result for both messages
    #expect(live.pipe.isClosed, "both messages were taken and their turn ended")
  }

  @Test func aMessageNotYetTakenKeepsTheInputOpenPastAResult() throws {
    let live = try Self.session()
    live.messageTaken()
    live.send("a message written as the turn ended")
    live.turnEnded()
    #expect(!live.pipe.isClosed, "the CLI has not taken the second message yet")
    live.messageTaken()  // a turn of its own
    #expect(!live.pipe.isClosed)
    live.turnEnded()
    #expect(live.pipe.isClosed)
  }

  @Test func theInboxMessageEachEchoCarriesIsKnownAndTheRestAreUntaken() throws {
    let live = try Self.session()
    let first = AgentInbox.Message(name: "1.txt", text: "one")
    let second = AgentInbox.Message(name: "2.txt", text: "two")
    live.send("one", carrying: first)
    live.send("two", carrying: second)
    #expect(live.isWritten(first) && live.isWritten(second))
    #expect(live.messageTaken() == nil, "the prompt carries no inbox message")
    #expect(live.messageTaken() == first)
    #expect(!live.isWritten(first) && live.isWritten(second))
    #expect(live.untaken == [second], "the CLI exiting now has not taken the second")
    #expect(live.echoes)
  }

  @Test func aCLIThatEchoesNothingHasOneTurnPerMessage() throws {
    let live = try Self.session()
    live.send("second")
    live.turnEnded()
    #expect(!live.pipe.isClosed)
    live.turnEnded()
    #expect(live.pipe.isClosed)
  }

  @Test func aHeldQuestionKeepsTheInputOpenUntilItIsAnswered() throws {
    let live = try Self.session()
    live.messageTaken()
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
