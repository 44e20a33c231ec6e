import Foundation
import TestSupport
import Testing

/// `spawn --host` without a reachable host: what it refuses, and that a failed spawn leaves no agent.
@Suite struct RemoteSpawnCommandTests {
  @Test func spawnOnAnUnknownOrClosedHostFailsAndLeavesNothing() throws {
    let sandbox = try CLISandbox()
    let repository = sandbox.root.path("repo")
    try GitRepository.create(at: repository)
    let unknown = try sandbox.run([
      "--json", "spawn", "--host", "nowhere", "--provider", "claude", "--cwd", repository, "hi",
    ])
    #expect(unknown.exitCode == 1)
    #expect((try? unknown.jsonObject()["error"] as? [String: Any])?["code"] as? String == "not_found")

    let key = try HostsCommandTests.identity(in: sandbox)
    let added = try sandbox.run([
      "hosts", "add", "closed", "--ssh", "me@127.0.0.1", "--port", "1", "--identity", key,
    ])
    #expect(added.exitCode == 0, "\(added.stderr)")
    let closed = try sandbox.run([
      "--json", "spawn", "--host", "closed", "--provider", "claude", "--cwd", repository, "--name", "r1",
      "hi",
    ])
    #expect(closed.exitCode == 1)
    #expect((try? closed.jsonObject()["error"] as? [String: Any])?["code"] as? String == "unreachable")
    #expect(try sandbox.run(["--json", "list"]).jsonArray().isEmpty)
    #expect(try sandbox.run(["show", "r1"]).exitCode == 1)
  }

  @Test func optionsThatDoNotTravelToAHostAreUsageErrors() throws {
    let sandbox = try CLISandbox()
    for extra in [["--no-worktree"], ["--account", "a"], ["--follow"], ["--max-running", "1"]] {
      let result = try sandbox.run(["spawn", "--host", "h1", "--provider", "claude"] + extra + ["hi"])
      #expect(result.exitCode == 2, "\(extra): \(result.stderr)")
      #expect(result.stderr.contains("cannot be used with --host yet"), "\(extra): \(result.stderr)")
    }
  }
}
