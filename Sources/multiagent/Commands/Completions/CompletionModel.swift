/// The command tree as completion scripts need it, read from the commands' own declarations: so the
/// scripts cannot drift from `--help`.
struct CompletionModel {
  /// What a word can be completed with.
  enum Values: String {
    /// Nothing to suggest (free text: a prompt, a label).
    case none
    /// Agent names (`multiagent __complete agents`).
    case agents
    /// Provider names (`multiagent __complete providers`).
    case providers
    /// Account labels (`multiagent __complete accounts`).
    case accounts
    /// Host names (`multiagent __complete hosts`).
    case hosts
    /// Paths.
    case files
  }

  /// One command: its path (`accounts add`), subcommands, options and what its arguments take.
  struct Command {
    var path: [String]
    var subcommands: [(name: String, abstract: String)]
    var options: [(long: String, short: Character?, help: String, values: Values?)]
    var arguments: Values
  }

  let commands: [Command]

  /// Every visible command under `root`, depth first, root first.
  init(root: any ParsableCommand.Type) {
    var commands: [Command] = []
    func visit(_ type: any ParsableCommand.Type, path: [String]) {
      let configuration = type.configuration
      let visible = configuration.visibleSubcommands
      let options = (configuration.options + GlobalOptions.all).map { option in
        let spec = option.spec
        return (
          spec.long, spec.short, spec.help, spec.valueName == nil ? nil : Self.values(ofOption: spec.long)
        )
      }
      commands.append(
        Command(
          path: path, subcommands: visible.map { ($0.configuration.name, $0.configuration.abstract) },
          options: options, arguments: Self.values(ofArguments: configuration.arguments, path: path)))
      for subcommand in visible { visit(subcommand, path: path + [subcommand.configuration.name]) }
    }
    visit(root, path: [])
    self.commands = commands
  }

  static func values(ofOption long: String) -> Values {
    switch long {
    case "provider": .providers
    case "account": .accounts
    case "agent", "parent": .agents
    case "home", "cwd", "input", "prompt-file", "answers-file", "credentials-file", "from-config-dir",
      "identity":
      .files
    default: .none
    }
  }

  static func values(ofArguments arguments: [Argument], path: [String]) -> Values {
    guard let first = arguments.first else { return .none }
    if first.name == "provider" || path.first == "providers" { return .providers }
    if first.name == "account" { return .accounts }
    if path.first == "hosts" { return first.name == "host" ? .hosts : .none }
    if path == ["help"] { return .none }
    if ["name", "names", "root", "others", "agent"].contains(first.name) { return .agents }
    return .none
  }
}
