import Foundation
import Testing
import TestSupport

/// Colour, status symbols and progress lines are for people at a terminal: shown there (tmux
/// here), never in a pipe, and not with `NO_COLOR` or `TERM=dumb`.
@Suite struct TerminalPolishTests {
  /// Runs `multiagent --home <home> arguments…` in a tmux pane (with `environment` words such as
  /// `NO_COLOR=1` before it) and returns the driver and the file its exit status lands in.
  static func runInPane(
    _ arguments: [String], world: LifecycleSandbox, environment: [String] = []
  ) throws -> (TmuxDriver, String) {
    let tmux = try TmuxDriver(environment: world.sandbox.environment)
    let exitFile = tmux.folder.path("exit")
    // The shell keeps the pane open after the command, so its last screen can be read.
    let script = #"out="$1"; shift; "$@"; echo $? > "$out.tmp"; mv "$out.tmp" "$out"; exec sleep 60"#
    let command = ["env"] + environment + [try CLIRunner.executable().path, "--home", world.home] + arguments
    try tmux.start(["/bin/sh", "-c", script, "sh", exitFile] + command)
    return (tmux, exitFile)
  }

  @Test(arguments: [([String](), true), (["NO_COLOR=1"], false), (["TERM=dumb"], false)])
  func listShowsStatusSymbolsOnlyOnATerminalThatWantsThem(environment: [String], styled: Bool) throws {
    guard FileManager.default.isExecutableFile(atPath: TmuxDriver.binary) else { return }
    let world = try LifecycleSandbox()
    try WatchHome.populate(world)
    let (tmux, exitFile) = try Self.runInPane(["list"], world: world, environment: environment)
    try tmux.waitForFile(exitFile)
    let screen = try tmux.screen()
    #expect(screen.contains("done-one"))
    #expect(screen.contains("✓ completed") == styled, "\(environment): \(screen)")
    #expect(screen.contains("✗ failed") == styled)
    let escapes = try tmux.run(["capture-pane", "-p", "-e", "-t", "w"])
    #expect(escapes.contains("\u{1B}[32m") == styled, "green only when styled")
  }

  @Test func aPipeGetsNoEscapesAndNoProgressLine() throws {
    let world = try LifecycleSandbox()
    try WatchHome.populate(world)
    let environment = ["TERM": "xterm-256color"]
    let list = try world.sandbox.run(["list"], extraEnvironment: environment)
    #expect(list.stdout.contains("completed") && !list.stdout.contains("✓"))
    #expect(!list.stdout.contains("\u{1B}"))
    let name = try world.spawn("quick")
    let wait = try world.sandbox.run(["wait", name], extraEnvironment: environment)
    #expect(wait.stdout == "completed\n")
    #expect(wait.stderr.isEmpty, "no progress line off a terminal: \(wait.stderr)")
  }

  @Test func waitShowsAProgressLineOnATerminalAndErasesIt() throws {
    guard FileManager.default.isExecutableFile(atPath: TmuxDriver.binary) else { return }
    let world = try LifecycleSandbox()
    let name = try world.spawn("@gate", name: "gated-agent")
    try world.waitUntilRunning(name)
    let (tmux, exitFile) = try Self.runInPane(["wait", name], world: world)
    try tmux.waitForScreen("the progress line") { $0.contains("gated-agent is running ·") }
    try world.openGate()
    try tmux.waitForFile(exitFile)
    let screen = try tmux.screen()
    #expect(screen.contains("completed"))
    #expect(!screen.contains("is running"), "the progress line is erased: \(screen)")
    #expect(try String(contentsOfFile: exitFile, encoding: .utf8) == "0\n")
  }

  @Test func spawnFollowKeepsItsLinesWholeUnderTheProgressLine() throws {
    guard FileManager.default.isExecutableFile(atPath: TmuxDriver.binary) else { return }
    let world = try LifecycleSandbox()
    let (tmux, exitFile) = try Self.runInPane(
      ["spawn", "--provider", "fake", "--cwd", world.repository, "--name", "follower", "--follow", "@gate"],
      world: world)
    try tmux.waitForScreen("the progress line") { $0.contains("follower is running ·") }
    try world.openGate()
    try tmux.waitForFile(exitFile)
    let lines = try tmux.screen().split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
    #expect(lines.contains("working on: @gate"), "\(lines)")
    #expect(!lines.contains { $0.contains("is running") }, "\(lines)")
    #expect(try String(contentsOfFile: exitFile, encoding: .utf8) == "0\n")
  }
}
