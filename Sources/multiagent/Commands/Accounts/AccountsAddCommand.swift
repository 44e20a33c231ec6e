import Foundation
import MultiAgent
import ProviderKit

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `multiagent accounts add PROVIDER --label L SOURCE`: stores a subscription or API key.
struct AccountsAddCommand: ParsableCommand {
  static let providerArgument = Argument(name: "provider", help: "The provider (see `multiagent providers`).")
  static let label = Option<String>(
    "label", valueName: "label", help: "A name for the account, unique per provider (work, me@example.com).")
  static let apiKeyEnv = Option<String>(
    "api-key-env", valueName: "var", help: "Read an API key from this environment variable.")
  static let apiKeyStdin = Flag("api-key-stdin", help: "Read an API key from standard input.")
  static let tokenStdin = Flag(
    "token-stdin",
    help: "Read a subscription setup/OAuth token from standard input (e.g. from `claude setup-token`).")
  static let credentialsFile = Option<String>(
    "credentials-file", valueName: "file",
    help: "Copy the CLI's own credential file (claude .credentials.json, codex auth.json).")
  static let fromConfigDir = Option<String>(
    "from-config-dir", valueName: "dir",
    help: "Copy the credential files (and settings file) of a logged-in config dir (~/.claude, ~/.codex).")

  static let configuration = CommandConfiguration(
    name: "add",
    abstract: "Add an account: an API key, a subscription token, or a CLI's own credential file.",
    discussion: """
      Give exactly one source:
        --api-key-env VAR       an API key, read from $VAR (passed to the CLI in its API key variable)
        --api-key-stdin         an API key, read from standard input
        --token-stdin           a subscription token (claude: CLAUDE_CODE_OAUTH_TOKEN), from stdin
        --credentials-file F    the CLI's credential file, copied into the account's config dir
        --from-config-dir DIR   the credential files of a config dir you logged in with
      Secrets are never taken as command-line arguments. Example:
        multiagent accounts add claude --label work --from-config-dir ~/.claude
        printf %s "$KEY" | multiagent accounts add codex --label ci --api-key-stdin
      """,
    options: [label, apiKeyEnv, apiKeyStdin, tokenStdin, credentialsFile, fromConfigDir],
    arguments: [providerArgument]
  )

  /// Where the secret comes from.
  enum Source: Sendable, Hashable {
    case apiKeyEnvironment(String)
    case apiKeyStdin
    case tokenStdin
    case credentialsFile(String)
    case configDirectory(String)
  }

  let providerName: String
  let labelValue: String
  let source: Source

  init(arguments: ParsedArguments) throws {
    providerName = arguments.argument(Self.providerArgument) ?? ""
    guard let label = try arguments.value(Self.label) else {
      throw CLIError.usage(
        "missing_label", "give the account a --label (e.g. --label work)",
        hint: "see 'multiagent accounts add --help'")
    }
    guard Accounts.isValidLabel(label) else {
      throw CLIError.usage(
        "invalid_label", "invalid label \"\(label)\"",
        hint: "use 1-64 letters, digits and . _ @ + - (not starting with -)")
    }
    labelValue = label
    var sources: [Source] = []
    if let variable = try arguments.value(Self.apiKeyEnv) { sources.append(.apiKeyEnvironment(variable)) }
    if arguments.isSet(Self.apiKeyStdin) { sources.append(.apiKeyStdin) }
    if arguments.isSet(Self.tokenStdin) { sources.append(.tokenStdin) }
    if let file = try arguments.value(Self.credentialsFile) { sources.append(.credentialsFile(file)) }
    if let directory = try arguments.value(Self.fromConfigDir) { sources.append(.configDirectory(directory)) }
    let names = "--api-key-env, --api-key-stdin, --token-stdin, --credentials-file or --from-config-dir"
    guard sources.count == 1, let source = sources.first else {
      throw CLIError.usage(
        sources.isEmpty ? "missing_source" : "conflicting_sources",
        sources.isEmpty
          ? "say where the account's credentials come from" : "give only one source of credentials",
        hint: "use exactly one of \(names)")
    }
    self.source = source
  }

  func run(context: CommandContext) async throws -> ExitCode {
    try context.requireUserAuthority(for: "accounts")
    let provider = try context.providerRegistry().requireProvider(providerName).definition
    try Self.check(source, supportedBy: provider)
    let secret = try readSecret(context: context)
    let accounts = try AccountOutput.accounts(context)
    let account = try AccountOutput.mappingErrors {
      try accounts.add(provider: provider.name, label: labelValue, secret: secret)
    }
    do {
      // Nothing half-made stays behind: on failure the row and the folder go together.
      try accounts.setUpConfigDirectory(of: account, provider: provider, from: configSource)
    } catch {
      let code: String = error.code == .invalidCredentials ? "invalid_credentials" : "io"
      throw CLIError.usage(code, error.message)
    }
    try AccountOutput.report(account, verb: "added", context: context)
    return .success
  }

  /// What the account's config dir is made from.
  private var configSource: Accounts.ConfigSource {
    switch source {
    case .credentialsFile(let file): .credentialsFile(file)
    case .configDirectory(let directory): .configDirectory(directory)
    case .apiKeyEnvironment, .apiKeyStdin, .tokenStdin: .emptyDirectory
    }
  }

  /// Refuses a source the provider cannot use, naming what it can.
  static func check(_ source: Source, supportedBy provider: ProviderDefinition) throws(CLIError) {
    let credentials = provider.credentials
    switch source {
    case .apiKeyEnvironment, .apiKeyStdin:
      guard credentials.apiKeyEnvironmentVariable != nil else {
        throw CLIError.usage(
          "unsupported_source", "\(provider.name) takes no API key (it has no API key variable)",
          hint: supportedSources(of: provider))
      }
    case .tokenStdin:
      guard credentials.tokenEnvironmentVariable != nil else {
        throw CLIError.usage(
          "unsupported_source", "\(provider.name) takes no subscription token (it has no token variable)",
          hint: supportedSources(of: provider))
      }
    case .credentialsFile, .configDirectory:
      guard provider.configDirectory != nil, !credentials.files.isEmpty else {
        throw CLIError.usage(
          "unsupported_source",
          "\(provider.name) keeps no credential file in a config dir multiagent can point it at",
          hint: supportedSources(of: provider))
      }
    }
  }

  private static func supportedSources(of provider: ProviderDefinition) -> String {
    var sources: [String] = []
    if provider.credentials.apiKeyEnvironmentVariable != nil {
      sources += ["--api-key-env", "--api-key-stdin"]
    }
    if provider.credentials.tokenEnvironmentVariable != nil { sources.append("--token-stdin") }
    if provider.configDirectory != nil, !provider.credentials.files.isEmpty {
      sources += ["--credentials-file", "--from-config-dir"]
    }
    return sources.isEmpty
      ? "\(provider.name) accounts cannot be managed by multiagent"
      : "\(provider.name) accepts: " + sources.joined(separator: ", ")
  }

  /// The secret from the source; a credential file is checked here, before anything is stored.
  private func readSecret(context: CommandContext) throws -> AccountSecret {
    switch source {
    case .apiKeyEnvironment(let variable):
      guard let value = context.environment[variable]?.trimmingCharacters(in: .whitespacesAndNewlines),
        !value.isEmpty
      else {
        throw CLIError.usage("missing_secret", "$\(variable) is not set or empty")
      }
      return .apiKey(value)
    case .apiKeyStdin:
      return .apiKey(try Self.readStandardInput(what: "API key", context: context))
    case .tokenStdin:
      return .token(try Self.readStandardInput(what: "token", context: context))
    case .credentialsFile(let file):
      do {
        try Accounts.validateCredentialFile(at: file)
      } catch {
        throw CLIError.usage(error.code == .io ? "io" : "invalid_credentials", error.message)
      }
      return .credentialsFile
    case .configDirectory(let directory):
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory),
        isDirectory.boolValue
      else {
        throw CLIError.usage("io", "\(directory) is not a folder")
      }
      return .credentialsFile
    }
  }

  /// All of standard input, trimmed; one line of text.
  private static func readStandardInput(what: String, context: CommandContext) throws -> String {
    if isatty(STDIN_FILENO) == 1 {
      context.console.writeError("Paste the \(what), then press Enter and Ctrl-D:\n")
    }
    let data = FileHandle.standardInput.readDataToEndOfFile()
    let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    guard !text.isEmpty else {
      throw CLIError.usage("empty_secret", "standard input is empty: pipe the \(what) into this command")
    }
    guard !text.contains(where: { $0.isNewline || $0 == "\0" }) else {
      throw CLIError.usage(
        "invalid_secret", "the \(what) on standard input spans several lines; give one line")
    }
    return text
  }
}
