import Foundation
import Testing
import TestSupport

/// Shell completions generated from the command declarations: bash completes subcommands, options,
/// agent names, providers and account labels (driven through `complete -F` the way bash calls it);
/// zsh and fish scripts parse where those shells are installed.
@Suite struct CompletionsTests {
  /// What bash's completion offers for the command line `words` (the last one being completed).
  static func complete(_ words: [String], script: String, world: LifecycleSandbox) throws -> [String] {
    let binary = try CLIRunner.executable().path
    let file = world.sandbox.root.path("completion.bash")
    try script.write(toFile: file, atomically: true, encoding: .utf8)
    let quoted = ([binary, "--home", world.home] + words).map { "'" + $0 + "'" }.joined(separator: " ")
    let driver = """
      source '\(file)'
      COMP_WORDS=(\(quoted))
      COMP_CWORD=\(words.count + 2)
      _multiagent
      printf '%s\\n' "${COMPREPLY[@]}"
      """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = ["--noprofile", "--norc", "-c", driver]
    process.environment = world.sandbox.environment
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init).sorted()
  }

  @Test func bashCompletesCommandsOptionsAgentsProvidersAndAccounts() throws {
    let world = try LifecycleSandbox()
    let script = try world.run(["completions", "bash"])
    #expect(script.exitCode == 0, "\(script.stderr)")
    _ = try world.spawn("@gate", name: "alpha-agent", extra: ["--no-worktree"])
    _ = try world.spawn("@gate", name: "alpine-agent", extra: ["--no-worktree"])
    let added = try world.run(["accounts", "add", "fake", "--label", "work-key", "--api-key-env", "PATH"])
    #expect(added.exitCode == 0, "\(added.stderr)")

    #expect(try Self.complete(["acc"], script: script.stdout, world: world) == ["accounts"])
    #expect(
      try Self.complete(["accounts", "re"], script: script.stdout, world: world) == ["remove", "reset"])
    #expect(
      try Self.complete(["spawn", "--pro"], script: script.stdout, world: world) == [
        "--prompt-file", "--provider",
      ])
    #expect(
      try Self.complete(["show", "alp"], script: script.stdout, world: world) == [
        "alpha-agent", "alpine-agent",
      ])
    #expect(
      try Self.complete(["wait", "--timeout", "5", "alpha"], script: script.stdout, world: world) == [
        "alpha-agent"
      ])
    let providers = try Self.complete(["spawn", "--provider", "fa"], script: script.stdout, world: world)
    #expect(providers == ["fake"])
    #expect(
      try Self.complete(["accounts", "show", "wor"], script: script.stdout, world: world) == ["work-key"])
    #expect(
      try Self.complete(["spawn", "--name", "x"], script: script.stdout, world: world).isEmpty, "free text")
    #expect(try world.run(["hosts", "add", "gpu-1", "--ssh", "me@127.0.0.1"]).exitCode == 0)
    #expect(try Self.complete(["hosts", "show", "gp"], script: script.stdout, world: world) == ["gpu-1"])
    #expect(
      try Self.complete(["hosts", "add", "a"], script: script.stdout, world: world).isEmpty, "a new name")
    for agent in ["alpha-agent", "alpine-agent"] { try world.run(["stop", agent]) }
  }

  @Test(arguments: ["bash", "zsh", "fish"])
  func everyScriptParses(_ shell: String) throws {
    let world = try LifecycleSandbox()
    let script = try world.run(["completions", shell])
    #expect(script.exitCode == 0)
    #expect(script.stdout.contains("spawn") && script.stdout.contains("__complete"))
    let checker = ["bash": "/bin/bash", "zsh": "/usr/bin/zsh", "fish": "/usr/bin/fish"][shell] ?? ""
    guard FileManager.default.isExecutableFile(atPath: checker) else { return }
    let file = world.sandbox.root.path("completion." + shell)
    try script.stdout.write(toFile: file, atomically: true, encoding: .utf8)
    let process = try Process.run(URL(fileURLWithPath: checker), arguments: ["-n", file])
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(shell) -n failed")
  }

  @Test func anUnknownShellIsAUsageError() throws {
    let world = try LifecycleSandbox()
    let result = try world.run(["completions", "tcsh"])
    #expect(result.exitCode == 2)
    #expect(result.stderr.contains("expected bash, zsh or fish"))
  }
}
