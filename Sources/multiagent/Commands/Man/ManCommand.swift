/// `multiagent man`: the manual page, in roff, from the same declarations as `--help`.
struct ManCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    name: "man",
    abstract: "Print the manual page (roff) for every command.",
    discussion: """
      Generated from the command declarations, like --help and the completion scripts. Read it with
        multiagent man | man -l -
      or install it:
        multiagent man > ~/.local/share/man/man1/multiagent.1
      """
  )

  init(arguments: ParsedArguments) {}

  func run(context: CommandContext) async throws -> ExitCode {
    context.console.write(ManPage.render(root: RootCommand.self))
    return .success
  }
}
