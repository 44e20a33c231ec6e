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
}
