import MultiAgent
import ProviderKit

/// `multiagent providers check [NAME…]`: asks installed CLIs for their versions.
struct ProvidersCheckCommand: ParsableCommand {
  static let names = Argument(
    name: "name", help: "Providers to check (default: every installed one).", arity: .variadic)

  static let configuration = CommandConfiguration(
    name: "check",
    abstract: "Run each installed CLI's version command, with a time limit.",
    discussion: """
      The CLIs are run concurrently, each with stdin /dev/null; one that does not exit in time is
      stopped (SIGTERM, then SIGKILL) with everything it started. Exits 0 when every checked CLI
      answered, 1 otherwise. A provider named on the command line that is not installed counts as
      not answering; without names, CLIs that are not installed are listed but not counted.
      """,
    options: [ProvidersCommand.timeout],
    arguments: [names]
  )

  let requested: [String]
  let timeout: Duration

  init(arguments: ParsedArguments) throws {
    var unique: [String] = []
    for name in arguments.arguments(Self.names) where !unique.contains(name) { unique.append(name) }
    requested = unique
    timeout =
      try arguments.value(ProvidersCommand.timeout)?.secondsDuration ?? ProviderInspector.defaultTimeout
  }

  func run(context: CommandContext) async throws -> ExitCode {
    try context.checkAuthority()
    let registry = try context.providerRegistry()
    let definitions =
      requested.isEmpty
      ? registry.providers.map(\.definition)
      : try requested.map { try registry.requireProvider($0).definition }
    let installations = await context.providerInspector.inspect(definitions, versionTimeout: timeout)

    let failed = installations.filter { installation in
      guard installation.isInstalled else { return !requested.isEmpty }
      return installation.version?.answered != true
    }
    if context.json {
      try context.console.writeJSON(
        zip(definitions, installations).map { ProviderCheck(definition: $0, installation: $1) })
    } else {
      var table = TextTable(["NAME", "PATH", "RESULT"])
      for installation in installations {
        let result =
          installation.isInstalled ? (installation.version?.description ?? "-") : "not installed"
        table.append([installation.name, installation.path ?? "-", result])
      }
      context.console.write(table.rendered())
      if !failed.isEmpty {
        let names = failed.map(\.name).joined(separator: ", ")
        let count = failed.count == 1 ? "1 provider CLI" : "\(failed.count) provider CLIs"
        context.console.writeError("error: \(count) did not answer: \(names)\n")
      }
    }
    return failed.isEmpty ? .success : .failure
  }
}

/// One row of `providers check --json`.
struct ProviderCheck: Encodable {
  var definition: ProviderDefinition
  var installation: ProviderInstallation

  private enum CodingKeys: String, CodingKey { case name, binary, path, installed, status, version, message }

  func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(definition.name, forKey: .name)
    try c.encode(definition.binary, forKey: .binary)
    try c.encode(installation.path, forKey: .path)
    try c.encode(installation.isInstalled, forKey: .installed)
    switch installation.version {
    case nil: try c.encode("not_installed", forKey: .status)
    case .answered(let version)?:
      try c.encode("answered", forKey: .status)
      try c.encode(version, forKey: .version)
    case .failed(let message)?:
      try c.encode("failed", forKey: .status)
      try c.encode(message, forKey: .message)
    case .timedOut?:
      try c.encode("timed_out", forKey: .status)
      try c.encode(installation.version!.description, forKey: .message)
    }
  }
}
