import MultiAgent
import ProviderKit

/// `multiagent providers list`: every provider and whether its CLI is installed.
struct ProvidersListCommand: ParsableCommand {
  static let versions = Flag("versions", help: "Also run each installed CLI to show its version.")

  static let configuration = CommandConfiguration(
    name: "list",
    abstract: "List the providers and where their CLIs are installed.",
    discussion: """
      Only looks the CLIs up on PATH, so it is instant; the INSTALLED column shows the path found,
      or "no". With --versions each installed CLI is also run (concurrently, with a time limit) and
      a VERSION column is added; `multiagent providers check` does the same and fails when a CLI
      does not answer.
      """,
    options: [versions, ProvidersCommand.timeout]
  )

  let showVersions: Bool
  let timeout: Duration

  init(arguments: ParsedArguments) throws {
    showVersions = arguments.isSet(Self.versions)
    timeout =
      try arguments.value(ProvidersCommand.timeout)?.secondsDuration ?? ProviderInspector.defaultTimeout
  }

  func run(context: CommandContext) async throws -> ExitCode {
    try context.checkAuthority()
    let definitions = try context.providerRegistry().providers.map(\.definition)
    let installations = await context.providerInspector.inspect(
      definitions, versionTimeout: showVersions ? timeout : nil)

    if context.json {
      try context.console.writeJSON(
        zip(definitions, installations).map { ProviderSummary(definition: $0, installation: $1) })
      return .success
    }
    var header = ["NAME", "BINARY", "INSTALLED"]
    if showVersions { header.append("VERSION") }
    var table = TextTable(header + ["RESUME", "CONFIG DIR ENV"])
    for (definition, installation) in zip(definitions, installations) {
      var row = [definition.name, definition.binary, installation.path ?? "no"]
      if showVersions { row.append(installation.version?.description ?? "-") }
      row += [definition.resume.summary, definition.configDirectory?.environmentVariable ?? "-"]
      table.append(row)
    }
    context.console.write(table.rendered())
    return .success
  }
}

/// One row of `providers list --json`.
struct ProviderSummary: Encodable {
  var definition: ProviderDefinition
  var installation: ProviderInstallation

  private enum CodingKeys: String, CodingKey {
    case name, binary, path, installed, version, dialect
    case displayName = "display_name"
    case versionError = "version_error"
    case resumeStyle = "resume_style"
    case configDirEnv = "config_dir_env"
    case promptMode = "prompt_mode"
  }

  func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(definition.name, forKey: .name)
    try c.encode(definition.displayName, forKey: .displayName)
    try c.encode(definition.binary, forKey: .binary)
    try c.encode(installation.path, forKey: .path)
    try c.encode(installation.isInstalled, forKey: .installed)
    try c.encodeIfPresent(installation.version?.version, forKey: .version)
    if let probe = installation.version, !probe.answered {
      try c.encode(probe.description, forKey: .versionError)
    }
    try c.encode(definition.resume.name, forKey: .resumeStyle)
    try c.encode(definition.configDirectory?.environmentVariable, forKey: .configDirEnv)
    try c.encode(definition.dialect, forKey: .dialect)
    try c.encode(definition.prompt.name, forKey: .promptMode)
  }
}
