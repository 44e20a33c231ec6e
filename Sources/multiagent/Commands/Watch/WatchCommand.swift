import Foundation
import MultiAgent

#if canImport(Glibc)
  import Glibc
#endif

/// `multiagent watch`: a live view of the agents and accounts.
struct WatchCommand: ParsableCommand {
  static let interval = Option<Double>.seconds(
    "interval", help: "Seconds between refreshes (default: 1).")
  static let all = Flag("all", short: "a", help: "Include dismissed agents.")
  static let once = Flag("once", help: "Print one frame and exit.")

  static let configuration = CommandConfiguration(
    name: "watch",
    abstract: "Watch the agents and accounts live.",
    discussion: """
      On a terminal: a full-screen view, refreshed every --interval seconds, of the agents grouped by
      status (those waiting for an answer first) with provider, account, age and their latest
      activity, the questions waiting for answers, and the accounts with their usage. q quits.
      Otherwise (a pipe, a file): the same frame as plain text every interval, until interrupted.
      --once prints one frame and exits. For machines, use
      `multiagent list --json`, or `multiagent events --follow --json` for a stream.
      """,
    options: [interval, all, once]
  )

  let seconds: Double
  let includeDismissed: Bool
  let onlyOnce: Bool

  init(arguments: ParsedArguments) throws {
    seconds = try arguments.value(Self.interval) ?? 1
    includeDismissed = arguments.isSet(Self.all)
    onlyOnce = arguments.isSet(Self.once)
  }

  func run(context: CommandContext) async throws -> ExitCode {
    if context.json {
      throw CLIError.usage(
        "unsupported_option", "watch is for people and has no --json output",
        hint: "use `multiagent list --json`, or `multiagent events --follow --json` for a stream")
    }
    let manager = try context.agentManager(catalogOptional: true)
    let accounts = context.carriesAgentIdentity ? nil : try AccountOutput.accounts(context)
    let reader = WatchReader(manager: manager, accounts: accounts, includeDismissed: includeDismissed)
    let style = TextStyle(environment: context.environment)
    let home = Self.displayPath(context.home.path, environment: context.environment)
    // The full-screen view needs a terminal that can move its cursor.
    let term = context.environment["TERM"] ?? ""
    if onlyOnce || isatty(STDOUT_FILENO) != 1 || term.isEmpty || term == "dumb" {
      return try await printFrames(reader: reader, style: style, home: home, context: context)
    }
    let screen = FullScreen()
    defer { screen.leave() }
    while true {
      let lines = WatchFrame.lines(of: try reader.snapshot(), style: style, home: home, interactive: true)
      screen.draw(lines)
      let keys = screen.waitForKeys(seconds: seconds)
      if keys.contains(UInt8(ascii: "q")) || keys.contains(UInt8(ascii: "Q")) { return .success }
    }
  }

  /// Plain frames: one with --once, else one every interval until the process is interrupted.
  private func printFrames(
    reader: WatchReader, style: TextStyle, home: String, context: CommandContext
  ) async throws -> ExitCode {
    while true {
      let lines = WatchFrame.lines(of: try reader.snapshot(), style: style, home: home, interactive: false)
      context.console.write(lines.joined(separator: "\n") + "\n")
      if onlyOnce { return .success }
      context.console.write("\n")
      try await Task.sleep(for: .seconds(seconds))
    }
  }

  /// `~/…` for a path in the user's home directory.
  static func displayPath(_ path: String, environment: [String: String]) -> String {
    guard let home = environment["HOME"], !home.isEmpty, home != "/", path.hasPrefix(home + "/") else {
      return path
    }
    return "~" + path.dropFirst(home.count)
  }
}
