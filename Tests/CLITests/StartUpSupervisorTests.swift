import Foundation
import Testing

/// A spawn's supervisor is started by the executable's first instructions (the C initializer in
/// CSupervisorAhead), not after the command line was read: the recorded supervisor is that
/// process, with global options before or after the command.
@Suite struct StartUpSupervisorTests {
  @Test(arguments: [["spawn"], ["--json", "spawn"], ["spawn", "--json"]])
  func theRecordedSupervisorIsTheOneTheStartUpLaunched(words: [String]) throws {
    let world = try LifecycleSandbox()
    let spawned = try world.run(
      words + [
        "--provider", "fake", "--no-worktree", "--cwd", world.repository, "--name", "early", "@gate hold",
      ])
    #expect(spawned.exitCode == 0, "\(spawned.stderr)")
    let record = try world.waitUntilRunning("early")
    let pid = try #require((record["supervisor"] as? [String: Any])?["pid"] as? Int)
    let command = (FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data()).split(separator: 0)
      .map { String(decoding: $0, as: UTF8.self) }
    #expect(command.dropFirst().first == "__supervise", "\(command)")
    #expect(command.contains("--early") && command.contains(world.home), "\(command)")
    #expect(command.last == record["id"] as? String, "\(command)")
    try world.openGate()
    #expect(try world.run(["wait", "early", "--timeout", "30"]).exitCode == 0)
  }

  /// A supervisor slow to start (here held by a failpoint before it reads anything) finds the
  /// spawn's start line and its word to go already in the socket, side by side: it takes the line,
  /// then the word, and runs the agent itself. It used to read both as one line, refuse it and exit,
  /// leaving the agent `starting` until a reconcile started another supervisor.
  @Test func aSupervisorSlowToStartTakesTheLineAndTheWordSentTogether() throws {
    let world = try LifecycleSandbox()
    let spawned = try world.sandbox.run(
      [
        "spawn", "--provider", "fake", "--no-worktree", "--cwd", world.repository, "--name", "slow",
        "@gate hold",
      ],
      extraEnvironment: ["MULTIAGENT_FAILPOINTS": "supervisor.early=sleep:0.5"])
    #expect(spawned.exitCode == 0, "\(spawned.stderr)")
    let record = try world.waitUntilRunning("slow")
    let pid = try #require((record["supervisor"] as? [String: Any])?["pid"] as? Int)
    let command = (FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data()).split(separator: 0)
      .map { String(decoding: $0, as: UTF8.self) }
    #expect(command.contains("--early"), "the early supervisor runs the agent: \(command)")
    try world.openGate()
    #expect(try world.run(["wait", "slow", "--timeout", "30"]).exitCode == 0)
    #expect(try world.record("slow")["status"] as? String == "completed")
  }
}
