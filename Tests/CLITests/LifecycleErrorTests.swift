import Foundation
import Testing
import TestSupport

/// Bad spawns: each says what is wrong, exits with the documented code, and leaves nothing behind.
@Suite struct LifecycleErrorTests {
  struct Case: Sendable, CustomStringConvertible {
    var label: String
    var arguments: [String]
    var exitCode: Int32
    var code: String
    var message: String
    /// What the CLI suggests (the library's message names no option; the CLI's hint does).
    var hint: String? = nil
    var description: String { label }
  }

  /// `<repo>` in arguments is replaced with the sandbox repository, `<plain>` with a directory
  /// that is not a git repository.
  static let cases: [Case] = [
    Case(
      label: "unknown provider", arguments: ["--provider", "nope", "--cwd", "<repo>", "task"], exitCode: 2,
      code: "unknown_provider", message: "nope"),
    Case(
      label: "CLI not on PATH", arguments: ["--provider", "ghost", "--cwd", "<repo>", "task"], exitCode: 1,
      code: "binary_not_found", message: "not on PATH"),
    Case(
      label: "not a git repository", arguments: ["--provider", "fake", "--cwd", "<plain>", "task"],
      exitCode: 1,
      code: "worktree", message: "not inside a git repository", hint: "pass --no-worktree"),
    Case(
      label: "invalid name",
      arguments: ["--provider", "fake", "--cwd", "<repo>", "--name", "Bad_Name", "task"],
      exitCode: 2, code: "invalid_name", message: "invalid agent name"),
    Case(
      label: "path in name", arguments: ["--provider", "fake", "--cwd", "<repo>", "--name", "../x", "task"],
      exitCode: 2, code: "invalid_name", message: "invalid agent name"),
    Case(
      label: "taken name", arguments: ["--provider", "fake", "--cwd", "<repo>", "--name", "taken", "task"],
      exitCode: 1, code: "name_taken", message: "already exists", hint: "choose another --name"),
    Case(
      label: "taken name, no worktree",
      arguments: ["--provider", "fake", "--cwd", "<repo>", "--name", "taken", "--no-worktree", "task"],
      exitCode: 1, code: "name_taken", message: "already exists"),
    Case(
      label: "missing prompt", arguments: ["--provider", "fake", "--cwd", "<repo>"], exitCode: 2,
      code: "missing_prompt", message: "prompt"),
    Case(
      label: "blank prompt", arguments: ["--provider", "fake", "--cwd", "<repo>", "  "], exitCode: 2,
      code: "missing_prompt", message: "prompt"),
    Case(
      label: "missing input file",
      arguments: ["--provider", "fake", "--cwd", "<repo>", "--input", "/nonexistent/file", "task"],
      exitCode: 1,
      code: "invalid_path", message: "/nonexistent/file"),
    Case(
      label: "unknown base",
      arguments: ["--provider", "fake", "--cwd", "<repo>", "--base", "no-such-ref", "task"],
      exitCode: 1, code: "worktree", message: "no-such-ref"),
    Case(
      label: "missing cwd", arguments: ["--provider", "fake", "--cwd", "/nonexistent/dir", "task"],
      exitCode: 1,
      code: "invalid_path", message: "/nonexistent/dir", hint: "--cwd"),
  ]

  @Test(arguments: cases)
  func badSpawnExplainsAndLeavesNothing(_ badCase: Case) throws {
    let world = try LifecycleSandbox()
    let first = try world.spawn("already here", name: "taken")
    #expect(try world.run(["wait", first]).exitCode == 0)
    let plain = world.sandbox.root.path("plain")
    try FileManager.default.createDirectory(atPath: plain, withIntermediateDirectories: true)
    let arguments = badCase.arguments.map {
      $0 == "<repo>" ? world.repository : $0 == "<plain>" ? plain : $0
    }
    let before = world.leftovers()
    let branchesBefore = try world.branches()

    let result = try world.run(["spawn"] + arguments)
    #expect(result.exitCode == badCase.exitCode, "\(result.stderr)")
    #expect(result.stderr.hasPrefix("error: "))
    #expect(result.stderr.contains(badCase.message), "\(result.stderr)")
    if let hint = badCase.hint { #expect(result.stderr.contains(hint), "\(result.stderr)") }
    let json = try world.run(["spawn", "--json"] + arguments)
    #expect(json.exitCode == badCase.exitCode)
    let error = try #require(try json.jsonObject()["error"] as? [String: Any])
    #expect(error["code"] as? String == badCase.code)

    #expect(try world.records().map { $0["name"] as? String } == ["taken"])
    let after = world.leftovers()
    #expect(after.agents.sorted() == before.agents.sorted())
    #expect(after.worktrees.sorted() == before.worktrees.sorted())
    #expect(try world.branches() == branchesBefore)
    #expect(try world.calls().count == 1)
    // The supervisor spawn starts ahead of validation exits unused.
    #expect(Self.supervisorsAwaitingStart(home: world.home, within: .seconds(10)).isEmpty)
  }

  /// The pids of `__supervise --await-start` processes of `home` (or `--early`, started by the
  /// spawn's first instructions) still running after `within`.
  static func supervisorsAwaitingStart(home: String, within: Duration) -> [Int32] {
    let deadline = ContinuousClock.now + within
    while true {
      let running = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap {
        name -> Int32? in
        guard let pid = Int32(name),
          let data = FileManager.default.contents(atPath: "/proc/\(name)/cmdline")
        else { return nil }
        let words = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        let ahead = words.contains("--await-start") || words.contains("--early")
        return ahead && words.contains(home) ? pid : nil
      }
      if running.isEmpty || ContinuousClock.now >= deadline { return running }
      Thread.sleep(forTimeInterval: 0.05)
    }
  }

  @Test func unknownProviderNamesTheValidChoices() throws {
    let world = try LifecycleSandbox()
    let result = try world.run(["spawn", "--provider", "claud", "--cwd", world.repository, "task"])
    #expect(result.exitCode == 2)
    #expect(result.stderr.contains("claude"))
    #expect(result.stderr.contains("codex"))
    #expect(result.stderr.contains("fake"))
  }

  /// Commands look a reference up as an id first, then as a name: an agent named with another
  /// agent's id would have let `delete <that id>` remove the wrong one. Such names are refused.
  @Test func aNameShapedLikeAnIdIsRefusedAndTheIdStillNamesItsAgent() throws {
    let world = try LifecycleSandbox()
    let first = try world.spawn("first", name: "first")
    #expect(try world.run(["wait", first]).exitCode == 0)
    let id = try #require(try world.run(["--json", "show", first]).jsonObject()["id"] as? String)
    for name in [id, "0123456789abcdef"] {
      let result = try world.run([
        "spawn", "--provider", "fake", "--cwd", world.repository, "--name", name, "x",
      ])
      #expect(result.exitCode == 2, "\(result.stderr)")
      #expect(result.stderr.contains("form of an agent id"), "\(result.stderr)")
    }
    #expect(try world.records().map { $0["name"] as? String } == ["first"])
    #expect(try world.branches() == ["main", "multiagent/first"])
    let deleted = try world.run(["delete", id])
    #expect(deleted.exitCode == 0, "\(deleted.stderr)")
    #expect(deleted.stdout.contains("first"), "\(deleted.stdout)")
    #expect(try world.records().isEmpty)
  }

  @Test func commandsOnAMissingAgentFail() throws {
    let world = try LifecycleSandbox()
    for command in [
      ["show"], ["logs"], ["result"], ["questions"], ["wait"], ["stop"], ["delete"], ["dismiss"],
    ] {
      let result = try world.run(command + ["ghost-agent"])
      #expect(result.exitCode == 1, "\(command)")
      #expect(result.stderr.contains("ghost-agent"), "\(command): \(result.stderr)")
    }
    let json = try world.run(["show", "ghost-agent", "--json"])
    #expect((try json.jsonObject()["error"] as? [String: Any])?["code"] as? String == "not_found")
    #expect(try world.run(["answer", "ghost-agent", "--answer", "q1=x"]).exitCode == 1)
  }
}
