import MultiAgent

/// `multiagent completions bash|zsh|fish`: a completion script generated from the command
/// declarations, so it completes exactly what `--help` lists.
struct CompletionsCommand: ParsableCommand {
  static let shell = Argument(name: "shell", help: "bash, zsh or fish.")

  static let configuration = CommandConfiguration(
    name: "completions",
    abstract: "Print a shell completion script (bash, zsh or fish).",
    discussion: """
      Completes commands, subcommands and options, and agent names, providers and account labels
      (asked of `multiagent` as you type). Load it with:
        bash: source <(multiagent completions bash)     (or save it in bash-completion's folder)
        zsh:  source <(multiagent completions zsh)
        fish: multiagent completions fish | source
      """,
    arguments: [shell]
  )

  let shellName: String

  init(arguments: ParsedArguments) throws {
    shellName = arguments.argument(Self.shell) ?? ""
    guard ["bash", "zsh", "fish"].contains(shellName) else {
      throw CLIError.usage("invalid_value", "unknown shell \"\(shellName)\"; expected bash, zsh or fish")
    }
  }

  func run(context: CommandContext) async throws -> ExitCode {
    let model = CompletionModel(root: RootCommand.self)
    switch shellName {
    case "zsh": context.console.write(CompletionScripts.zsh(model))
    case "fish": context.console.write(CompletionScripts.fish(model))
    default: context.console.write(CompletionScripts.bash(model))
    }
    return .success
  }
}

/// `multiagent __complete agents|providers|accounts|hosts`: the names a completion script offers, one a
/// line; nothing (and exit 0) when they cannot be read. Hidden.
struct CompleteCommand: ParsableCommand {
  static let kind = Argument(name: "kind", help: "agents, providers, accounts or hosts.")

  static let configuration = CommandConfiguration(
    name: "__complete", abstract: "Names for shell completion.", arguments: [kind], isHidden: true)

  let kind: String

  init(arguments: ParsedArguments) {
    kind = arguments.argument(Self.kind) ?? ""
  }

  func run(context: CommandContext) async throws -> ExitCode {
    var names: [String] = []
    switch kind {
    case "agents":
      names = ((try? context.agentManager(reconciling: false).list()) ?? []).map(\.name)
    case "providers":
      names = ((try? context.providerRegistry())?.names) ?? []
    case "accounts":
      // Accounts are the user's alone: inside an agent there is nothing to offer.
      if (try? context.requireUserAuthority(for: "accounts")) != nil {
        names = ((try? Accounts(home: context.home).list()) ?? []).map(\.label)
      }
    case "hosts":
      // Hosts are the user's alone too.
      if (try? context.requireUserAuthority(for: "hosts")) != nil, context.home.exists {
        names = ((try? Hosts(home: context.home, environment: context.environment).list()) ?? []).map(\.name)
      }
    default:
      break
    }
    if !names.isEmpty { context.console.write(names.joined(separator: "\n") + "\n") }
    return .success
  }
}
