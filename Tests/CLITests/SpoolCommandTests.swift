import Foundation
import TestSupport
import Testing

/// `multiagent __spool`, the host's side of ingestion, run locally: what follows the offsets asked,
/// and a clear refusal of anything that is not a request.
@Suite struct SpoolCommandTests {
  /// Runs `__spool` with `request` on standard input; its answer's one chunk.
  static func spool(_ sandbox: CLISandbox, _ request: String) throws -> [String: Any] {
    let result = try sandbox.run(["__spool"], input: request)
    #expect(result.exitCode == 0, "\(result.stderr)")
    let agents = try #require(try result.jsonObject()["agents"] as? [[String: Any]])
    return try #require(agents.first)
  }

  @Test func theSpoolAnswersWhatFollowsTheOffsetsAndRefusesAnythingElse() throws {
    let world = try LifecycleSandbox()
    let sandbox = world.sandbox
    let spawned = try sandbox.run([
      "--json", "spawn", "--provider", "fake", "--no-worktree", "--cwd", world.repository, "--name", "a1",
      "--wait", "--timeout", "60", "hello",
    ])
    #expect(spawned.exitCode == 0, "\(spawned.stderr)")
    let id = try #require(try spawned.jsonObject()["id"] as? String)
    let log = try Data(contentsOf: URL(fileURLWithPath: sandbox.home + "/agents/\(id)/output.log"))
    let events = try sandbox.run(["--json", "events", "--agent", "a1"]).stdout.split(separator: "\n")

    let whole = try Self.spool(sandbox, #"{"agents":[{"id":"\#(id)","log_offset":0,"events_after":0}]}"#)
    #expect(whole["found"] as? Bool == true && whole["status"] as? String == "completed")
    #expect(Data(base64Encoded: whole["log"] as? String ?? "") == log)
    #expect((whole["log_size"] as? Int) == log.count)
    let held = try #require(whole["events"] as? [[String: Any]])
    #expect(held.count == events.count)

    let lastID = try #require(held.last?["id"] as? Int)
    let rest = try Self.spool(
      sandbox, #"{"agents":[{"id":"\#(id)","log_offset":\#(log.count - 5),"events_after":\#(lastID - 1)}]}"#)
    #expect(Data(base64Encoded: rest["log"] as? String ?? "") == log.suffix(5))
    #expect((rest["events"] as? [[String: Any]])?.map { $0["id"] as? Int } == [lastID])

    let unknown = try Self.spool(sandbox, #"{"agents":[{"id":"../../etc","log_offset":0,"events_after":0}]}"#)
    #expect(unknown["found"] as? Bool == false)
    for bad in ["", "{}", #"{"agents":[{"id":"x","log_offset":-3,"events_after":0}]}"#] {
      let refused = try sandbox.run(["--json", "__spool"], input: bad)
      #expect(refused.exitCode == 2, "\(bad): \(refused.stderr)")
      #expect((try? refused.jsonObject()["error"] as? [String: Any])?["code"] as? String == "invalid_request")
    }
  }
}
