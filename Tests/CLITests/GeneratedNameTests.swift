import Foundation
import TestSupport
import Testing

@testable import MultiAgent

/// A generated name must be free where the agent will use it: in the store, and as the
/// `multiagent/<name>` branch of its repository (kept by `delete --keep-branch`, or left by another
/// home), or the spawn would fail for a name the user never chose.
@Suite struct GeneratedNameTests {
  @Test func aGeneratedNameAvoidsBranchesTheRepositoryHasLooseOrPacked() throws {
    let world = try LifecycleSandbox()
    let head = try LifecycleSandbox.git(["rev-parse", "HEAD"], in: world.repository)
      .trimmingCharacters(in: .whitespacesAndNewlines)
    // Every plain name is taken as a branch: the first half packed, the second half loose.
    let names = AgentNames.adjectives.flatMap { adjective in AgentNames.animals.map { adjective + "-" + $0 } }
    let half = names.count / 2
    try createBranches(names[..<half], at: head, in: world.repository)
    try LifecycleSandbox.git(["pack-refs", "--all"], in: world.repository)
    try createBranches(names[half...], at: head, in: world.repository)
    #expect(
      FileManager.default.fileExists(atPath: world.repository + "/.git/refs/heads/multiagent/" + names.last!))
    #expect(
      !FileManager.default.fileExists(atPath: world.repository + "/.git/refs/heads/multiagent/" + names[0]))

    var spawned: [String] = []
    for _ in 0..<3 {
      spawned.append(try world.spawn("work"))
    }
    let branches = Set(try world.branches())
    for name in spawned {
      #expect(!names.contains(name), "\(name) is a branch the repository had")
      #expect(branches.contains("multiagent/" + name))
    }
    #expect(branches.count == 1 + names.count + spawned.count)
  }

  /// Makes `multiagent/<name>` at `commit` for each name, in one `git update-ref --stdin`.
  private func createBranches(_ names: ArraySlice<String>, at commit: String, in repository: String) throws {
    let script = FileManager.default.temporaryDirectory.appendingPathComponent("refs-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: script) }
    try names.map { "create refs/heads/multiagent/\($0) \(commit)\n" }.joined().write(
      to: script, atomically: true, encoding: .utf8)
    let git = Process()
    git.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    git.arguments = ["git", "update-ref", "--stdin"]
    git.currentDirectoryURL = URL(fileURLWithPath: repository)
    git.standardInput = try FileHandle(forReadingFrom: script)
    try git.run()
    git.waitUntilExit()
    #expect(git.terminationStatus == 0)
  }
}
