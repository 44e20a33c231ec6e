import Foundation
import JSONKit
import ProviderKit
import TestSupport
import Testing

/// A REAL claude agent whose own tool call runs `multiagent spawn` twice: the children are
/// recorded under it, `tree` shows them, and stopping the parent stops all three.
@Suite(.serialized) struct SubAgentRealCLITests {
  static let childScript = #"""
    #!/bin/sh
    # A child provider CLI: reports a session, then works until it is stopped.
    session="child-$$"
    echo "{\"type\":\"system\",\"subtype\":\"init\",\"session_id\":\"$session\"}"
    i=0
    while [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
    echo "{\"type\":\"result\",\"subtype\":\"success\",\"is_error\":false,\"result\":\"slept\",\"session_id\":\"$session\"}"
    """#

  @Test(.enabled(if: RealCLIs.hasClaude, RealCLIs.skipReason))
  func parentSpawnsTwoChildrenAndStoppingItStopsThem() throws {
    let directory = try TemporaryDirectory(prefix: "family")
    let home = directory.path("home")
    let workspace = directory.path("ws")
    try FileManager.default.createDirectory(atPath: workspace, withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
    let child = directory.path("child-cli")
    try Data(Self.childScript.utf8).write(to: URL(fileURLWithPath: child))
    chmod(child, 0o755)
    try Data(#"{"providers":{"kid":{"extends":"claude","binary":"\#(child)"}}}"#.utf8)
      .write(to: URL(fileURLWithPath: home + "/providers.json"))

    // The parent's tool call spawns two children (the token in its environment makes them its
    // own), then keeps working.
    let spawnChildren =
      "multiagent spawn --provider kid --no-worktree --cwd \(workspace) --name kid-one 'first job' && "
      + "multiagent spawn --provider kid --no-worktree --cwd \(workspace) --name kid-two 'second job' && sleep 60"
    let server = try FakeModelServer(
      script:
        #"{"default": [{"text": "Delegating.", "shell": \#(JSONWriter.string(.string(spawnChildren)))}]}"#,
      directory: directory.url)
    defer { server.stop() }
    let binaryDirectory = try CLIRunner.executable().deletingLastPathComponent().path
    var environment = RealCLIs.claudeEnvironment(server: server, key: "key-parent")
    environment["HOME"] = directory.path("user")
    environment["PATH"] = "\(binaryDirectory):\(RealCLIs.binDirectory.path):/usr/local/bin:/usr/bin:/bin"
    environment["CLAUDE_CONFIG_DIR"] = directory.path("claude-config")
    environment["TZ"] = "UTC"
    func multiagent(_ arguments: [String]) throws -> CLIRunner.Result {
      try CLIRunner.run(["--home", home] + arguments, environment: environment, timeout: 120)
    }

    let spawned = try multiagent(
      [
        "spawn", "--provider", "claude", "--no-worktree", "--cwd", workspace, "--name", "boss",
        "Delegate the work.",
      ])
    #expect(spawned.exitCode == 0, "spawn: \(spawned.stderr)")

    // Both children appear under the parent and run.
    var children: [[String: Any]] = []
    let deadline = Date().addingTimeInterval(60)
    while Date() < deadline {
      let all = (try multiagent(["--json", "list", "--all"]).json() as? [[String: Any]]) ?? []
      let parent = all.first { $0["name"] as? String == "boss" }
      children = all.filter { $0["parent_id"] as? String == parent?["id"] as? String && parent != nil }
      if children.count == 2, children.allSatisfy({ $0["status"] as? String == "running" }) { break }
      Thread.sleep(forTimeInterval: 0.2)
    }
    #expect(Set(children.compactMap { $0["name"] as? String }) == ["kid-one", "kid-two"])
    let tree = try multiagent(["tree"])
    #expect(
      tree.stdout.contains("boss") && tree.stdout.contains("kid-one") && tree.stdout.contains("kid-two"))

    // Stopping the parent stops both children, and no process of any of the three remains.
    let stopped = try multiagent(["stop", "boss"])
    #expect(stopped.exitCode == 0, "stop: \(stopped.stderr)")
    let all = (try multiagent(["--json", "list", "--all"]).json() as? [[String: Any]]) ?? []
    #expect(all.count == 3)
    #expect(
      all.allSatisfy { $0["status"] as? String == "stopped" },
      "\(all.map { ($0["name"] ?? "", $0["status"] ?? "") })")
    let ids = all.compactMap { $0["id"] as? String }
    var remaining: [Int32] = []
    let gone = Date().addingTimeInterval(5)
    repeat {
      remaining = Self.processes(ofAgents: ids)
      if remaining.isEmpty { break }
      Thread.sleep(forTimeInterval: 0.1)
    } while Date() < gone
    #expect(remaining.isEmpty, "still running: \(remaining)")
  }

  /// Processes (not zombies) whose environment names one of `ids` as MULTIAGENT_AGENT_ID.
  static func processes(ofAgents ids: [String]) -> [Int32] {
    let needles = ids.map { Array("MULTIAGENT_AGENT_ID=\($0)".utf8) }
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap(Int32.init).filter { pid in
      guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")"), stat[stat.index(close, offsetBy: 2)] != "Z",
        let environment = FileManager.default.contents(atPath: "/proc/\(pid)/environ")
      else { return false }
      let entries = environment.split(separator: 0).map(Array.init)
      return needles.contains { entries.contains($0) }
    }
  }
}
