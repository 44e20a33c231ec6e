/// `multiagent help [COMMAND…]`: the same text as `multiagent COMMAND… --help`.
struct HelpCommand: ParsableCommand {
  static let command = Argument(
    name: "command", help: "The command to describe (e.g. providers show).", arity: .variadic)

  static let configuration = CommandConfiguration(
    name: "help",
    abstract: "Show help for a command.",
    arguments: [command]
  )

  let words: [String]

  init(arguments: ParsedArguments) {
    words = arguments.arguments(Self.command)
  }

  func run(context: CommandContext) async throws -> ExitCode {
    context.console.write(HelpFormatter.help(for: try CommandLineTool.resolve(words)))
    return .success
  }
}
