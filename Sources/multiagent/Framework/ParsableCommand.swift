import JSONKit
/// A command of the `multiagent` CLI: a static configuration that declares its name, help, options,
/// arguments and subcommands, an initializer that reads the parsed command line, and `run`.
///
/// Adding a command is one new file with a type conforming to this protocol, listed in its parent's
/// ``CommandConfiguration/subcommands``.
protocol ParsableCommand: Sendable {
  /// The command's name, help and command-line shape.
  static var configuration: CommandConfiguration { get }

  /// Reads the command's options and arguments.
  ///
  /// - Throws: ``CLIError`` (usually a usage error) when a value is invalid.
  init(arguments: ParsedArguments) throws

  /// Does, before the command runs, what should not wait for the thread that runs it (the spawn
  /// starts its agent here): called on the thread that read the command line. It cannot fail: it
  /// keeps an error for ``run(context:)`` to throw, and whatever it did not do, that does.
  ///
  /// - Returns: the exit code when it did the whole command (nothing is left to run, and no thread
  ///   is started for it); `nil` otherwise.
  mutating func prepare(context: CommandContext) -> ExitCode?

  /// Runs the command.
  ///
  /// - Returns: the exit code; errors are reported by throwing (``CLIError`` or any library error).
  func run(context: CommandContext) async throws -> ExitCode
}

extension ParsableCommand {
  /// Most commands have nothing to start ahead.
  mutating func prepare(context: CommandContext) -> ExitCode? { nil }

  /// A command group without a default subcommand shows its help.
  func run(context: CommandContext) async throws -> ExitCode {
    context.console.write(HelpFormatter.help(for: context.commandPath))
    return .success
  }
}

/// What a command declares about itself; it drives parsing, `--help` and error messages.
struct CommandConfiguration: Sendable {
  /// The word that selects the command (`providers`, `show`).
  var name: String
  /// One line saying what the command does.
  var abstract: String
  /// Longer help: behaviour, defaults, examples.
  var discussion: String?
  /// Options of this command (the global ones are added to every command).
  var options: [any OptionDeclaration]
  /// Positional arguments, in order.
  var arguments: [Argument]
  /// Subcommands, in the order help lists them.
  var subcommands: [any ParsableCommand.Type]
  /// The subcommand run when none is named (`providers` runs `providers list`).
  var defaultSubcommand: (any ParsableCommand.Type)?
  /// Whether help and error messages leave the command out (internal commands such as `__supervise`).
  var isHidden: Bool

  /// Declares a command.
  init(
    name: String, abstract: String, discussion: String? = nil, options: [any OptionDeclaration] = [],
    arguments: [Argument] = [], subcommands: [any ParsableCommand.Type] = [],
    defaultSubcommand: (any ParsableCommand.Type)? = nil, isHidden: Bool = false
  ) {
    self.name = name
    self.abstract = abstract
    self.discussion = discussion
    self.options = options
    self.arguments = arguments
    self.subcommands = subcommands
    self.defaultSubcommand = defaultSubcommand
    self.isHidden = isHidden
  }

  /// The subcommand called `name`, if any.
  func subcommand(named name: String) -> (any ParsableCommand.Type)? {
    subcommands.first { $0.configuration.name == name }
  }

  /// The subcommands help and error messages list (hidden ones left out).
  var visibleSubcommands: [any ParsableCommand.Type] {
    subcommands.filter { !$0.configuration.isHidden }
  }
}

/// A resolved command and its ancestors, root first (`multiagent`, `providers`, `show`).
typealias CommandPath = [any ParsableCommand.Type]

extension Array where Element == any ParsableCommand.Type {
  /// `multiagent providers show`.
  var commandName: String { map { $0.configuration.name }.joined(by: " ") }
}
