import Foundation
import JSONKit
import MultiAgent

/// `multiagent hosts`: the machines agents can run on, reached over SSH.
struct HostsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    name: "hosts",
    abstract: "Add, list and check the machines agents can run on, reached over SSH.",
    discussion: """
      Every call uses the system ssh: one shared connection per host (its socket in <home>/ssh),
      never a prompt (BatchMode), host keys recorded on first contact in <home>/ssh/known_hosts and
      refused when they change. A host runs the same multiagent, put there by `hosts install`.
      Example:
        multiagent hosts add gpu1 --ssh me@gpu1.example --identity ~/.ssh/id_ed25519
        multiagent hosts install gpu1
        multiagent hosts list
      """,
    subcommands: [
      HostsAddCommand.self, HostsListCommand.self, HostsShowCommand.self, HostsRemoveCommand.self,
      HostsInstallCommand.self, HostsSyncCommand.self,
    ],
    defaultSubcommand: HostsListCommand.self
  )

  init(arguments: ParsedArguments) {}
}

/// Shared arguments, lookups and output of the `hosts` commands.
enum HostOutput {
  /// `<host>`: a host's name.
  static let name = Argument(name: "host", help: "The host's name.")
  /// `--timeout S`: how long a host may take to answer.
  static let timeout = Option<Double>.seconds(
    "timeout", help: "Seconds each host may take to answer (default 5).")

  /// The hosts of the state home (created if needed); the user's alone.
  static func hosts(_ context: CommandContext) throws -> Hosts {
    try context.requireUserAuthority(for: "hosts")
    try context.home.create()
    return try mappingErrors { try Hosts(home: context.home, environment: context.environment) }
  }

  /// The host called `name`.
  static func host(_ name: String, in hosts: Hosts) throws -> RemoteHost {
    guard let host = try mappingErrors({ try hosts.host(named: name) }) else {
      throw CLIError.failure(
        "not_found", "no host named \"\(name.prefix(80))\"", hint: "see 'multiagent hosts list'")
    }
    return host
  }

  /// `--timeout`, else 5 seconds.
  static func timeout(_ seconds: Double?) -> Duration { .milliseconds(Int64((seconds ?? 5) * 1000)) }

  /// Runs `body`, reporting store and host errors as CLI errors.
  static func mappingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
      return try body()
    } catch let error as StoreError {
      switch error.code {
      case .nameTaken: throw CLIError.failure("host_taken", error.message, hint: "choose another name")
      case .invalidValue: throw CLIError.usage("invalid_value", error.message)
      default: throw CLIError.failure("state_error", error.description)
      }
    } catch let error as HostError {
      throw cliError(error)
    }
  }

  /// A host error as the user sees it: an invalid identity file is a usage error.
  static func cliError(_ error: HostError) -> CLIError {
    switch error.code {
    case .invalidIdentity: return .usage(error.code.rawValue, error.message)
    case .notInstalled:
      return .failure(
        error.code.rawValue, error.message, hint: "run 'multiagent hosts install \(error.host)'")
    default: return .failure(error.code.rawValue, error.message)
    }
  }

  /// `0.1.0`, `not installed`, or `-` for a host not reached.
  static func version(_ status: HostStatus) -> String {
    if let version = status.version { return version }
    return status.reachable && status.error == nil ? "not installed" : "-"
  }
}

/// A host as `--json` shows it: snake_case keys, times as ISO-8601 text; with its status when
/// it was checked.
struct HostJSON: Encodable {
  var host: RemoteHost
  var status: HostStatus?

  private enum CodingKeys: String, CodingKey {
    case name, ssh, user, address, port, identityFile = "identity_file", createdAt = "created_at"
    case reachable, installed, version, agents, error
  }

  private enum ErrorKeys: String, CodingKey { case code, message }

  func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(host.name, forKey: .name)
    try c.encode(host.sshTarget, forKey: .ssh)
    try c.encode(host.user, forKey: .user)
    try c.encode(host.address, forKey: .address)
    try c.encode(host.port, forKey: .port)
    try c.encode(host.identityFile, forKey: .identityFile)
    try c.encodeTime(host.createdAt.timeIntervalSince1970, forKey: .createdAt)
    guard let status else { return }
    try c.encode(status.reachable, forKey: .reachable)
    try c.encode(status.version != nil, forKey: .installed)
    try c.encode(status.version, forKey: .version)
    try c.encode(status.agents, forKey: .agents)
    if let error = status.error {
      var item = c.nestedContainer(keyedBy: ErrorKeys.self, forKey: .error)
      try item.encode(error.code.rawValue, forKey: .code)
      try item.encode(error.message, forKey: .message)
    } else {
      try c.encodeNil(forKey: .error)
    }
  }
}
