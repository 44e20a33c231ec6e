import MultiAgent

/// Runs one command line: parse, handle `--version` and `--help`, run the command, report errors.
enum CommandLineTool {
  /// The root of the command tree.
  static let root: any ParsableCommand.Type = RootCommand.self

  /// Runs `arguments` (without the program name) and returns the exit code.
  static func run(arguments: [String], environment: [String: String]) async -> ExitCode {
    let console = Console()
    // Known before parsing, so that a usage error is reported as JSON too.
    let wantsJSON = arguments.prefix { $0 != "--" }.contains("--json")

    let invocation: CommandLineParser.Invocation
    do {
      invocation = try CommandLineParser(root: root).parse(arguments)
    } catch {
      console.report(error, json: wantsJSON)
      return error.exitCode
    }
    let globals = invocation.globals
    if globals.version {
      console.write("multiagent \(MultiAgentVersion.current)\n")
      return .success
    }
    if globals.help {
      console.write(HelpFormatter.help(for: invocation.path))
      return .success
    }

    do {
      // Options are read first: a usage error wins over a problem with the home.
      let command = try invocation.path.last!.init(arguments: invocation.arguments)
      var environment = environment
      let store = try StoreSelection.resolve(globals.store, environment: &environment)
      var home = try StateHome.resolve(override: globals.home, environment: environment)
      if let store { home = StateHome(path: home.path, store: store, environment: environment) }
      let context = CommandContext(
        globals: globals, environment: environment, home: home, console: console,
        commandPath: invocation.path)
      return try await command.run(context: context)
    } catch {
      let error = CLIError.from(error)
      console.report(error, json: globals.json)
      return error.exitCode
    }
  }

  /// The command path named by `words` (`["providers", "show"]`), for `multiagent help …`.
  ///
  /// - Throws: a usage ``CLIError`` for a word that names no command.
  static func resolve(_ words: [String]) throws(CLIError) -> CommandPath {
    var path: CommandPath = [root]
    for word in words {
      let configuration = path.last!.configuration
      guard let subcommand = configuration.subcommand(named: word) else {
        throw CLIError.unknownCommand(
          word, choices: configuration.visibleSubcommands.map { $0.configuration.name },
          helpCommand: "\(path.commandName) --help")
      }
      path.append(subcommand)
    }
    return path
  }
}
