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

    // An account of this machine travels with --host; a host not reached leases nothing.
    let added2 = try sandbox.run(
      ["accounts", "add", "claude", "--label", "a", "--api-key-env", "KEY"],
      extraEnvironment: ["KEY": "sk-test"])
    #expect(added2.exitCode == 0, "\(added2.stderr)")
    let pinned = try sandbox.run([
      "--json", "spawn", "--host", "closed", "--provider", "claude", "--account", "a", "--cwd", repository,
      "hi",
    ])
    #expect((try? pinned.jsonObject()["error"] as? [String: Any])?["code"] as? String == "unreachable")
    let leases = try sandbox.run(["--json", "accounts", "show", "a"]).jsonObject()["leases"] as? [Any]
    #expect(leases?.isEmpty == true)
  }

  @Test func optionsThatDoNotTravelToAHostAreUsageErrors() throws {
    let sandbox = try CLISandbox()
    for extra in [["--no-worktree"], ["--parent", "p"], ["--detach-from-parent"]] {
      let result = try sandbox.run(["spawn", "--host", "h1", "--provider", "claude"] + extra + ["hi"])
      #expect(result.exitCode == 2, "\(extra): \(result.stderr)")
      #expect(result.stderr.contains("cannot be used with --host yet"), "\(extra): \(result.stderr)")
    }
  }

  /// `--input` with `--host` is checked here, as a local spawn checks it, before any host is asked
  /// anything: a closed host is never reached for an input that is refused.
  @Test func inputsAreCheckedHereLikeALocalSpawnsBeforeAnyHostIsReached() throws {
    let world = try LifecycleSandbox()
    let sandbox = world.sandbox
    let key = try HostsCommandTests.identity(in: sandbox)
    let added = try sandbox.run([
      "hosts", "add", "closed", "--ssh", "me@127.0.0.1", "--port", "1", "--identity", key,
    ])
    #expect(added.exitCode == 0, "\(added.stderr)")
    let directory = sandbox.root.path("in")
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let fifo = try SpawnInputTests.make(.fifo, in: directory)
    let dangling = try SpawnInputTests.make(.danglingLink, in: directory)
    let toFIFO = directory + "/to-pipe"
    try FileManager.default.createSymbolicLink(atPath: toFIFO, withDestinationPath: fifo)
    // A FIFO opened for reading would block until a writer comes: the timeout catches a hang.
    let run = { (arguments: [String]) throws in
      try CLIRunner.run(["--home", world.home] + arguments, environment: sandbox.environment, timeout: 20)
    }
    for input in [fifo, dangling, toFIFO, "/dev/null", directory, directory + "/missing"] {
      for json in [false, true] {
        let spawn = (json ? ["--json"] : []) + ["spawn", "--provider", "fake", "--cwd", world.repository]
        let local = try run(spawn + ["--input", input, "task"])
        for host in ["closed", "auto"] {
          let remote = try run(spawn + ["--host", host, "--input", input, "task"])
          #expect(
            remote.exitCode == local.exitCode && remote.stderr == local.stderr
              && remote.stdout == local.stdout,
            "\(input) on \(host): \(remote.stderr) vs \(local.stderr)")
        }
        #expect(local.exitCode == 1 && local.stderr.contains(input), "\(local.stderr)")
      }
    }
    #expect(try sandbox.run(["--json", "list"]).jsonArray().isEmpty)
    // A regular file passes the check: the closed host is then what fails.
    try "notes".write(toFile: directory + "/notes.md", atomically: true, encoding: .utf8)
    let regular = try sandbox.run([
      "--json", "spawn", "--host", "closed", "--provider", "fake", "--cwd", world.repository, "--input",
      directory + "/notes.md", "task",
    ])
    #expect((try? regular.jsonObject()["error"] as? [String: Any])?["code"] as? String == "unreachable")
  }
}
