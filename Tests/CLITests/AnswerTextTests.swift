import Foundation
import Testing
import TestSupport

/// An answer that cannot reach the CLI is refused before anything changes: the agent keeps
/// waiting and a good answer still resumes it.
@Suite struct AnswerTextTests {
  @Test func anAnswerWithANULByteIsRefusedAndTheAgentKeepsWaiting() throws {
    let world = try LifecycleSandbox()
    let name = try world.spawn("@ask nul", name: "nul-answer", extra: ["--no-worktree"])
    #expect(try world.run(["wait", name, "--timeout", "30"]).exitCode == 3)

    let file = world.sandbox.root.path("answers.json")
    try #"{"q1": "red\u0000blue"}"#.write(toFile: file, atomically: true, encoding: .utf8)
    let refused = try world.run(["answer", name, "--answers-file", file, "--json"])
    #expect(refused.exitCode == 1, "\(refused.stderr)")
    #expect((try refused.jsonObject()["error"] as? [String: Any])?["code"] as? String == "invalid_answer")
    let waiting = try world.record(name)
    #expect(waiting["status"] as? String == "waiting_for_input")
    #expect((waiting["pending_questions"] as? [[String: Any]])?.first?["id"] as? String == "q1")

    let answered = try world.run(["answer", name, "--answer", "q1=red", "--wait"])
    #expect(answered.exitCode == 0, "\(answered.stderr)")
    #expect(try world.calls().count == 2)
  }
}
