import Foundation
import JSONKit
import TestSupport
import Testing

/// A real claude parent (live) whose Bash tool spawns a child on a fake CLI: when the child
/// completes, a later model request of the parent's same session carries the child's name and
/// result — the parent's script never calls `wait`.
@Suite(.serialized) struct ChildReportRealCLITests {
  /// A CLI in claude's dialect that finishes with a result of its own — five seconds later, once
  /// the parent's turn that started it has ended: a report that arrives while the parent's Bash
  /// call runs goes into that same turn instead (claude folds it in), which this test is not about
  /// (`SendRealCLITests` is).
  static let childScript = #"""
    #!/bin/sh
    session="child-$$"
    while [ $# -gt 0 ]; do
      case "$1" in --session-id|--resume) session="$2"; shift 2 ;; *) shift ;; esac
    done
    echo "{\"type\":\"system\",\"subtype\":\"init\",\"session_id\":\"$session\"}"
    sleep 5
    printf '%s' '{"status":"done","result":"child result 42"}' > "$MULTIAGENT_SIGNAL_FILE"
    echo "{\"type\":\"result\",\"subtype\":\"success\",\"is_error\":false,\"result\":\"ok\",\"session_id\":\"$session\"}"
    """#

  @Test(.enabled(if: RealCLIs.hasClaude, RealCLIs.skipReason))
  func aChildsResultReachesItsParentsSession() throws {
    let world = try RealCLIWorld(prefix: "report")
    let (directory, home, repository) = (world.directory, world.home, world.repository)
    let bin = directory.path("bin")
    try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
    try Self.childScript.write(toFile: bin + "/fake-child", atomically: true, encoding: .utf8)
    chmod(bin + "/fake-child", 0o755)
    try FileManager.default.createSymbolicLink(
      atPath: bin + "/multiagent", withDestinationPath: try CLIRunner.executable().path)
    try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
    try #"{"providers": {"kidcli": {"extends": "claude", "binary": "\#(bin)/fake-child"}}}"#.write(
      toFile: home + "/providers.json", atomically: true, encoding: .utf8)

    let spawnChild =
      "multiagent spawn --provider kidcli --no-worktree --cwd . --name kid 'Compute the answer.'"
    let done =
      "printf '%s' '{\"status\":\"done\",\"result\":\"Parent heard from kid.\"}' > \"$MULTIAGENT_SIGNAL_FILE\""
    let script = """
      {"keys": {"tok-parent": [
        {"text": "Starting a child.", "shell": \(JSONWriter.string(.string(spawnChild)))},
        {"text": "The child is on it; my turn ends here."},
        {"text": "Thanks, child.", "shell": \(JSONWriter.string(.string(done)))},
        {"text": "Done."}
      ]}}
      """
    let server = try FakeModelServer(script: script, directory: directory.url)
    defer { server.stop() }
    var environment = world.claudeEnvironment(server)
    environment["PATH"] = bin + ":" + (environment["PATH"] ?? "")
    func multiagent(_ arguments: [String], input: String? = nil) throws -> CLIRunner.Result {
      try world.multiagent(arguments, environment, input: input)
    }
    #expect(
      try multiagent(["accounts", "add", "claude", "--label", "A", "--token-stdin"], input: "tok-parent")
        .exitCode == 0)
    let spawn = try multiagent([
      "spawn", "--provider", "claude", "--cwd", repository, "--name", "boss", "Delegate the computation.",
    ])
    #expect(spawn.exitCode == 0, "spawn: \(spawn.stderr)")
    let finished = try multiagent(["wait", "boss", "--timeout", "120"])
    #expect(finished.exitCode == 0, "wait: \(finished.stdout) \(finished.stderr)")

    let boss = try #require(try multiagent(["--json", "show", "boss"]).json() as? [String: Any])
    #expect(boss["status"] as? String == "completed", "\(boss)")
    #expect(boss["result"] as? String == "Parent heard from kid.")
    let kid = try #require(try multiagent(["--json", "show", "kid"]).json() as? [String: Any])
    #expect(kid["status"] as? String == "completed")
    #expect(kid["parent_id"] as? String == boss["id"] as? String)
    let session = try #require(boss["session_id"] as? String)
    #expect((boss["runs"] as? [[String: Any]])?.allSatisfy { $0["session_id"] as? String == session } == true)

    let requests = try server.requests().filter { $0["key"]?.stringValue == "tok-parent" }
    let report = try #require(
      requests.first { JSONWriter.string($0["body"] ?? .null).contains("[multiagent] child kid completed") })
    let body = JSONWriter.string(report["body"] ?? .null)
    #expect(body.contains("child result 42"), "\(body.prefix(3000))")
    #expect(body.contains("Delegate the computation."), "the parent's same conversation")
  }
}
