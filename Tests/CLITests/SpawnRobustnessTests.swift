import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Spawns under stress and with odd inputs: concurrent spawns into one repository, a `git worktree
/// add` that fails half-way, inputs that are not regular files, prompts that are not text, and a
/// worktree replaced by a symbolic link.
@Suite struct SpawnRobustnessTests {
  /// Results collected from several threads.
  final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Int: Swift.Result<CLIRunner.Result, any Error>] = [:]

    func set(_ index: Int, _ result: Swift.Result<CLIRunner.Result, any Error>) {
      lock.withLock { results[index] = result }
    }

    var all: [Int: Swift.Result<CLIRunner.Result, any Error>] { lock.withLock { results } }
  }

  /// Runs `multiagent spawn` for each of `names` at once, each on a thread of its own (a dispatch
  /// queue would run only as many at once as there are cores), and returns their results.
  static func spawnAtOnce(_ names: [String], in world: LifecycleSandbox) throws -> [CLIRunner.Result] {
    let arguments = ["--home", world.home, "spawn", "--provider", "fake", "--cwd", world.repository]
    let environment = world.sandbox.environment
    let results = Results()
    let group = DispatchGroup()
    for (index, name) in names.enumerated() {
      group.enter()
      Thread.detachNewThread {
        results.set(
          index,
          Swift.Result { try CLIRunner.run(arguments + ["--name", name, "task"], environment: environment) })
        group.leave()
      }
    }
    group.wait()
    return try results.all.sorted { $0.key < $1.key }.map { try $0.value.get() }
  }

  @Test func concurrentSpawnsIntoOneRepositoryAllSucceed() throws {
    let world = try LifecycleSandbox()
    // Unserialized, git's `worktree add`s race (one reads another's half-written admin files) in
    // about half the rounds of 16; two rounds catch it most of the time.
    let rounds = (0..<2).map { round in (0..<16).map { "agent-\(round)-\($0)" } }
    for names in rounds {
      for (name, result) in zip(names, try Self.spawnAtOnce(names, in: world)) {
        #expect(result.exitCode == 0, "spawn \(name): \(result.stderr)")
      }
    }
    let names = rounds.flatMap { $0 }
    #expect(try world.branches().sorted() == (["main"] + names.map { "multiagent/" + $0 }).sorted())
    #expect(world.leftovers().worktrees.sorted() == names.sorted())
    let listed = try LifecycleSandbox.git(["worktree", "list", "--porcelain"], in: world.repository)
    #expect(
      listed.components(separatedBy: "\n").filter { $0.hasPrefix("worktree ") }.count == names.count + 1)
    for name in names { #expect(try world.run(["wait", name]).exitCode == 0, "\(name)") }
  }

  @Test func aWorktreeAddThatFailsHalfWayLeavesNoBranch() throws {
    let world = try LifecycleSandbox()
    // git creates the branch and the worktree, then fails when the post-checkout hook does.
    let hook = world.repository + "/.git/hooks/post-checkout"
    try "#!/bin/sh\necho 'hook says no' >&2\nexit 1\n".write(toFile: hook, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: hook)

    let result = try world.run([
      "spawn", "--json", "--provider", "fake", "--cwd", world.repository, "--name", "hooked", "task",
    ])
    #expect(result.exitCode == 1, "\(result.stdout)")
    let error = try #require(try result.jsonObject()["error"] as? [String: Any])
    #expect(error["code"] as? String == "worktree")
    #expect(try world.branches() == ["main"])
    #expect(world.leftovers().worktrees.isEmpty)
    #expect(world.leftovers().agents.isEmpty)
    #expect(try world.records().isEmpty)
    let listed = try LifecycleSandbox.git(["worktree", "list", "--porcelain"], in: world.repository)
    #expect(listed.components(separatedBy: "\n").filter { $0.hasPrefix("worktree ") }.count == 1)

    // Nothing blocks the name afterwards.
    try FileManager.default.removeItem(atPath: hook)
    let name = try world.spawn("task", name: "hooked")
    #expect(try world.run(["wait", name]).exitCode == 0)
  }

  @Test func deletingAnAgentWhoseWorktreeIsALinkToTheRepositoryRemovesTheLinkOnly() throws {
    let world = try LifecycleSandbox()
    let name = try world.spawn("task", name: "linked")
    #expect(try world.run(["wait", name]).exitCode == 0)
    let worktree = world.home + "/worktrees/" + name
    try FileManager.default.removeItem(atPath: worktree)
    try FileManager.default.createSymbolicLink(atPath: worktree, withDestinationPath: world.repository)

    let result = try world.run(["delete", name])
    #expect(result.exitCode == 0, "\(result.stderr)")
    #expect(!FileManager.default.fileExists(atPath: world.repository + "/.git/worktrees/" + name))
    #expect(FileManager.default.fileExists(atPath: world.repository + "/README.md"))
    #expect(world.leftovers().worktrees.isEmpty)
    #expect(try world.branches() == ["main"])
    #expect(try world.records().isEmpty)
  }

  @Test func deletingAnAgentWhoseWorktreeWasMovedBehindALinkKeepsWhatTheLinkPointsTo() throws {
    let world = try LifecycleSandbox()
    let name = try world.spawn("task", name: "moved")
    #expect(try world.run(["wait", name]).exitCode == 0)
    let worktree = world.home + "/worktrees/" + name
    let elsewhere = world.sandbox.root.path("elsewhere")
    try FileManager.default.moveItem(atPath: worktree, toPath: elsewhere)
    try FileManager.default.createSymbolicLink(atPath: worktree, withDestinationPath: elsewhere)

    let result = try world.run(["delete", name])
    #expect(result.exitCode == 0, "\(result.stderr)")
    #expect(FileManager.default.fileExists(atPath: elsewhere + "/README.md"))
    #expect(world.leftovers().worktrees.isEmpty)
    #expect(try world.branches() == ["main"])
    #expect(try world.records().isEmpty)
  }

  @Test func aPromptWithANulByteIsRefusedWithoutEchoingIt() throws {
    let world = try LifecycleSandbox()
    let prompt = "do the task\u{0}" + String(repeating: "padding ", count: 128 * 1024)
    let result = try world.run(
      ["spawn", "--provider", "fake", "--cwd", world.repository, "-"], input: prompt)
    #expect(result.exitCode == 2, "\(result.stderr.prefix(300))")
    #expect(result.stderr.contains("NUL"))
    #expect(result.stderr.utf8.count < 500)
    let json = try world.run(
      ["spawn", "--json", "--provider", "fake", "--cwd", world.repository, "-"], input: prompt)
    #expect(json.exitCode == 2)
    #expect((try json.jsonObject()["error"] as? [String: Any])?["code"] as? String == "invalid_prompt")
    #expect(try world.records().isEmpty)
    #expect(world.leftovers().agents.isEmpty && world.leftovers().worktrees.isEmpty)
    #expect(try world.branches() == ["main"])
  }
}
