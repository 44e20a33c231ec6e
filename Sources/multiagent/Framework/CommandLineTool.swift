import MultiAgent

/// Runs one command line: parse, handle `--version` and `--help`, run the command, report errors.
enum CommandLineTool {
  /// The root of the command tree.
  static let root: any ParsableCommand.Type = RootCommand.self

  /// Runs `arguments` (without the program name) and returns the exit code.
  static func run(arguments: [String], environment: [String: String]) async -> ExitCode {
    await prepare(arguments: arguments, environment: environment).run()
  }

  /// A command line read and ready to run (``prepare(arguments:environment:)``).
  struct Prepared: Sendable {
    fileprivate enum Step: Sendable {
      /// Nothing left to run: `--version`, `--help`, an error already reported, or a command that
      /// did everything while it was prepared (``ParsableCommand/prepare(context:)``).
      case done(ExitCode)
      case command(any ParsableCommand, CommandContext)
    }
    fileprivate let step: Step

    /// The exit code when nothing is left to run.
    var exitCode: ExitCode? {
      if case .done(let code) = step { return code }
      return nil
    }

    /// Runs the command and returns the exit code; errors are reported as ``run(arguments:environment:)``
    /// reports them.
    func run() async -> ExitCode {
      switch step {
      case .done(let code):
        return code
      case .command(let command, let context):
        do {
          return try await command.run(context: context)
        } catch {
          let error = CLIError.from(error)
          context.console.report(error, json: context.globals.json)
          return error.exitCode
        }
      }
    }
  }

  /// The synchronous part of ``run(arguments:environment:)``: parses `arguments`, handles
  /// `--version` and `--help`, makes the command and its context, and lets the command start what
  /// should overlap the rest (``ParsableCommand/prepare(context:)``). `main.swift` calls it on the
  /// main thread while the thread that runs the command starts.
  static func prepare(arguments: [String], environment: [String: String]) -> Prepared {
    let console = Console()
    // Known before parsing, so that a usage error is reported as JSON too.
    let wantsJSON = arguments.prefix { $0 != "--" }.contains("--json")

    let invocation: CommandLineParser.Invocation
    do {
      invocation = try CommandLineParser(root: root).parse(arguments)
    } catch {
      console.report(error, json: wantsJSON)
      return Prepared(step: .done(error.exitCode))
    }
    let globals = invocation.globals
    if globals.version {
      console.write("multiagent \(MultiAgentVersion.current)\n")
      return Prepared(step: .done(.success))
    }
    if globals.help {
      console.write(HelpFormatter.help(for: invocation.path))
      return Prepared(step: .done(.success))
    }

    do {
      // Options are read first: a usage error wins over a problem with the home.
      var command = try invocation.path.last!.init(arguments: invocation.arguments)
      var environment = environment
      let store = try StoreSelection.resolve(globals.store, environment: &environment)
      var home = try StateHome.resolve(override: globals.home, environment: environment)
      if let store { home = StateHome(path: home.path, store: store, environment: environment) }
      let context = CommandContext(
        globals: globals, environment: environment, home: home, console: console,
        commandPath: invocation.path)
      if let exitCode = command.prepare(context: context) { return Prepared(step: .done(exitCode)) }
      return Prepared(step: .command(command, context))
    } catch {
      let error = CLIError.from(error)
      console.report(error, json: globals.json)
      return Prepared(step: .done(error.exitCode))
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
