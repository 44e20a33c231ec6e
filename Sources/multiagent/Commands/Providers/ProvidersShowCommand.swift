import MultiAgent
import ProviderKit

/// `multiagent providers show NAME`: a provider's full definition and example command lines.
struct ProvidersShowCommand: ParsableCommand {
  static let name = Argument(name: "name", help: "The provider (see `multiagent providers list`).")

  /// The prompt in the example command lines.
  static let examplePrompt = "<prompt>"
  /// The session id in the example command lines (a real id shape: `<…>` is rejected in argv).
  static let exampleSessionID = "SESSION_ID"

  static let configuration = CommandConfiguration(
    name: "show",
    abstract: "Show a provider's definition and the command lines multiagent builds for it.",
    discussion: """
      The example command lines are built exactly as a spawn and a resume would build them, with
      the prompt "\(examplePrompt)" and the session id \(exampleSessionID). Environment variables and
      the account's config dir are not shown in them.
      """,
    arguments: [name]
  )

  let providerName: String

  init(arguments: ParsedArguments) {
    providerName = arguments.argument(Self.name) ?? ""
  }

  func run(context: CommandContext) async throws -> ExitCode {
    try context.checkAuthority()
    let provider = try context.providerRegistry().requireProvider(providerName)
    let examples = ProviderExamples(provider: provider)
    let path = context.providerInspector.locate(provider.definition)
    if context.json {
      try context.console.writeJSON(
        ProviderDetail(definition: provider.definition, path: path, examples: examples))
    } else {
      context.console.write(ProviderDescription.text(of: provider.definition, path: path, examples: examples))
    }
    return .success
  }
}

/// The example spawn and resume commands of a provider, or why they cannot be built.
struct ProviderExamples {
  /// The fresh-run command, or the reason it cannot be built.
  var spawn: Result<CommandSpec, ProviderError>
  /// The resume command, or the reason it cannot be built (resume style none).
  var resume: Result<CommandSpec, ProviderError>

  init(provider: any AgentProvider) {
    let request = CommandRequest(prompt: ProvidersShowCommand.examplePrompt, workingDirectory: ".")
    let pinned = provider.definition.sessionID.source == .pinned ? ProvidersShowCommand.exampleSessionID : nil
    spawn = Result { () throws(ProviderError) in try provider.spawnCommand(for: request, sessionID: pinned) }
    resume = Result { () throws(ProviderError) in
      try provider.resumeCommand(for: request, sessionID: ProvidersShowCommand.exampleSessionID)
    }
  }
}

/// `providers show --json`: the definition as in providers.json (its keys as that file spells them),
/// plus `path`, `installed` and the example argv (`spawn_argv`, `resume_argv`).
struct ProviderDetail: Encodable {
  var definition: ProviderDefinition
  var path: String?
  var examples: ProviderExamples

  private enum CodingKeys: String, CodingKey {
    case path, installed
    case spawnArgv = "spawn_argv"
    case resumeArgv = "resume_argv"
  }

  func encode(to encoder: any Encoder) throws {
    try definition.encode(to: encoder)
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(path, forKey: .path)
    try c.encode(path != nil, forKey: .installed)
    try c.encode(try? examples.spawn.get().argv, forKey: .spawnArgv)
    try c.encode(try? examples.resume.get().argv, forKey: .resumeArgv)
  }
}
