import MultiAgent
import ProviderKit

/// `multiagent providers`: the agent CLIs multiagent knows (built in and from providers.json).
struct ProvidersCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    name: "providers",
    abstract: "List, inspect and check the agent CLIs multiagent can run.",
    discussion: """
      The built-in catalog can be changed and extended in <home>/providers.json:
      {"providers": {"claude": {"binary": "/opt/claude/bin/claude"},
                     "claude-beta": {"extends": "claude", "binary": "claude-beta"}}}
      """,
    subcommands: [ProvidersListCommand.self, ProvidersShowCommand.self, ProvidersCheckCommand.self],
    defaultSubcommand: ProvidersListCommand.self
  )

  init(arguments: ParsedArguments) {}

  /// `--timeout S` of version probes, shared by `list --versions` and `check`.
  static let timeout = Option<Double>.seconds(
    "timeout", help: "Seconds each CLI gets to print its version (default: 10).")
}

extension CommandContext {
  /// The built-in providers merged with the home's providers.json (the home need not exist).
  func providerRegistry() throws -> ProviderRegistry {
    try home.providerRegistry()
  }

  /// An inspector that searches this process's `PATH`.
  var providerInspector: ProviderInspector {
    ProviderInspector(environment: environment)
  }
}

extension ProviderRegistry {
  /// The provider called `name`, or a usage error naming the valid choices.
  func requireProvider(_ name: String) throws(CLIError) -> any AgentProvider {
    do {
      return try provider(named: name)
    } catch {
      throw CLIError.unknownProvider(name, choices: names)
    }
  }
}

extension ResumeStyle {
  /// `flag --resume`, `subcommand threads continue` or `none`.
  var summary: String {
    switch self {
    case .flag(let flag): "flag \(flag)"
    case .subcommand(let words): "subcommand \(words.joined(separator: " "))"
    case .none: "none"
    }
  }
}

extension Double {
  /// Seconds as a `Duration`.
  var secondsDuration: Duration { .milliseconds(Int64((self * 1000).rounded(.up))) }
}
