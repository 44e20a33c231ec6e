import Foundation
import MultiAgent
import Testing
import TestSupport

#if canImport(Glibc)
  import Glibc
#endif

/// `multiagent watch`: on a terminal (tmux here) a full-screen view of agents in every status,
/// their questions and the accounts' usage, that puts the terminal back however it ends; plain
/// frames otherwise.
@Suite struct WatchTests {
  /// The lines of `text` that hold a name, in screen order.
  static func order(of names: [String], in text: String) -> [String] {
    text.split(separator: "\n").compactMap { line in names.first { line.contains($0) } }
  }

  @Test(arguments: ["q", "C-c", "TERM"])
  func fullScreenShowsEveryStatusAndRestoresTheTerminal(_ ending: String) throws {
    guard FileManager.default.isExecutableFile(atPath: TmuxDriver.binary) else { return }
    let world = try LifecycleSandbox()
    try WatchHome.populate(world)
    let tmux = try TmuxDriver(environment: world.sandbox.environment)
    let exitFile = tmux.folder.path("exit")
    let sttyFile = tmux.folder.path("stty")
    // The shell outlives watch to report its exit status and the terminal settings it left, and
    // keeps the pane open so that its state is still the one watch left.
    let script = #"""
      trap : INT; "$0" --home "$1" watch --interval 0.2; echo $? > "$2.tmp"; stty -a > "$3"; mv "$2.tmp" "$2"
      exec sleep 60
      """#
    try tmux.start(["/bin/sh", "-c", script, try CLIRunner.executable().path, world.home, exitFile, sttyFile])

    let names = AgentStatus.allCases.map { WatchHome.names[$0]! }
    let screen = try tmux.waitForScreen("every agent, the question and the account") { text in
      names.allSatisfy(text.contains) && text.contains("Which database?") && text.contains("five_hour 42%")
    }
    #expect(screen.contains("9 agents"))
    #expect(screen.contains("result: all tests pass") && screen.contains("the CLI exited with code 3"))
    #expect(screen.contains("postgres | sqlite"))
    // Those that need the user first, finished ones last.
    #expect(
      Self.order(of: ["asking-one", "running-one", "queued-one", "done-one"], in: screen) == [
        "asking-one", "running-one", "queued-one", "done-one", "asking-one",
      ], "the agents, then the question")
    #expect(try tmux.format("#{alternate_on} #{cursor_flag}") == "1 0", "alternate screen, cursor hidden")

    switch ending {
    case "TERM":
      let shell = try tmux.format("#{pane_pid}")
      let children = try String(contentsOfFile: "/proc/\(shell)/task/\(shell)/children", encoding: .utf8)
      let watch = try #require(children.split(separator: " ").first.flatMap { Int32($0) })
      kill(watch, SIGTERM)
    default:
      try tmux.run(["send-keys", "-t", "w", ending])
    }
    try tmux.waitForFile(exitFile)
    let status = try String(contentsOfFile: exitFile, encoding: .utf8).trimmingCharacters(
      in: .whitespacesAndNewlines)
    #expect(status == ["q": "0", "C-c": "130", "TERM": "143"][ending])
    let stty = try String(contentsOfFile: sttyFile, encoding: .utf8)
    for setting in ["icanon", "echo"] {
      #expect(
        stty.range(of: "(^|\\s)\(setting)(\\s|$)", options: .regularExpression) != nil,
        "\(setting) is back on: \(stty)")
    }
    let after = try tmux.format("#{alternate_on} #{cursor_flag}")
    #expect(after == "0 1", "primary screen, cursor shown")
    #expect(!(try tmux.screen()).contains("LAST ACTIVITY"))
  }

  @Test func aShortTerminalSaysHowManyLinesDoNotFit() throws {
    guard FileManager.default.isExecutableFile(atPath: TmuxDriver.binary) else { return }
    let world = try LifecycleSandbox()
    try WatchHome.populate(world)
    let tmux = try TmuxDriver(environment: world.sandbox.environment)
    try tmux.start([try CLIRunner.executable().path, "--home", world.home, "watch"], columns: 100, rows: 8)
    let screen = try tmux.waitForScreen("the last line") { $0.contains("more lines") }
    let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines.firstIndex { $0.contains("more lines") } == 7, "the last row: \(screen)")
    #expect(screen.contains("asking-one"), "the agents that need the user come first")
    try tmux.run(["send-keys", "-t", "w", "q"])
  }

  @Test func onceOffATerminalPrintsOnePlainFrame() throws {
    let world = try LifecycleSandbox()
    try WatchHome.populate(world)
    let result = try world.sandbox.run(["watch", "--once"], extraEnvironment: ["TERM": "xterm"])
    #expect(result.exitCode == 0, "\(result.stderr)")
    #expect(!result.stdout.contains("\u{1B}"), "no escapes into a pipe")
    for name in WatchHome.names.values { #expect(result.stdout.contains(name)) }
    #expect(result.stdout.contains("ACCOUNTS") && result.stdout.contains("five_hour 42%"))
    #expect(result.stdout.contains("QUESTIONS") && result.stdout.contains("asking-one  q1: Which database?"))
    #expect(result.stdout.components(separatedBy: "multiagent watch").count == 2, "one frame")
    #expect(!result.stdout.contains("q quits"))
  }

  @Test func offATerminalItPrintsAFrameEveryInterval() throws {
    let world = try LifecycleSandbox()
    try WatchHome.populate(world)
    let output = world.sandbox.root.path("watch.out")
    _ = FileManager.default.createFile(atPath: output, contents: nil)
    let process = Process()
    process.executableURL = try CLIRunner.executable()
    process.arguments = ["--home", world.home, "watch", "--interval", "0.1"]
    process.environment = world.sandbox.environment
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
    process.standardError = FileHandle.nullDevice
    try process.run()
    defer {
      process.terminate()
      process.waitUntilExit()
    }
    let deadline = Date().addingTimeInterval(30)
    var text = ""
    while Date() < deadline {
      text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
      if text.components(separatedBy: "multiagent watch").count > 3 { break }
      usleep(50_000)
    }
    #expect(text.components(separatedBy: "multiagent watch").count > 3, "three frames: \(text)")
    #expect(!text.contains("\u{1B}"))
  }

  @Test func jsonIsRefusedWithWhereToLook() throws {
    let result = try CLISandbox().run(["watch", "--json"])
    #expect(result.exitCode == 2)
    #expect(
      try result.jsonObject()["error"].flatMap { ($0 as? [String: Any])?["hint"] as? String }?
        .contains("list --json") == true)
  }
}
