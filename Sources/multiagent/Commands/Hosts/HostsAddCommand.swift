import Foundation
import MultiAgent

/// `multiagent hosts add NAME --ssh user@host [--port N] [--identity F]`: remembers a host.
struct HostsAddCommand: ParsableCommand {
  static let nameArgument = Argument(
    name: "name", help: "A name for the host (gpu-1): lowercase letters, digits, -.")
  static let ssh = Option<String>("ssh", valueName: "user@host", help: "Where ssh connects: user@host.")
  static let port = Option<Int>(
    "port", valueName: "port", help: "The SSH port (default 22).", expected: "a port number (1-65535)"
  ) { Int($0).flatMap { (1...65535).contains($0) ? $0 : nil } }
  static let identity = Option<String>(
    "identity", valueName: "file",
    help: "The private key ssh uses (must be yours and private; only its path is kept).")

  static let configuration = CommandConfiguration(
    name: "add",
    abstract: "Add a host reached over SSH.",
    discussion: """
      Nothing is contacted yet: see `multiagent hosts list` and `multiagent hosts install`. Without
      --identity, ssh uses its own keys and agent. Example:
        multiagent hosts add gpu1 --ssh me@gpu1.example --port 2222 --identity ~/.ssh/id_ed25519
      """,
    options: [ssh, port, identity],
    arguments: [nameArgument]
  )

  let name: String
  let target: SSHTarget
  let portNumber: Int
  let identityFile: String?

  init(arguments: ParsedArguments) throws {
    name = arguments.argument(Self.nameArgument) ?? ""
    guard Hosts.isValidName(name) else {
      throw CLIError.usage(
        "invalid_name", "invalid host name \"\(name.prefix(80))\"",
        hint: "use 1-63 lowercase letters, digits and -, starting with a letter or digit (e.g. gpu-1)")
    }
    guard let text = try arguments.value(Self.ssh) else {
      throw CLIError.usage(
        "missing_ssh", "say where the host is: --ssh user@host", hint: "see 'multiagent hosts add --help'")
    }
    guard let target = SSHTarget(text) else {
      throw CLIError.usage(
        "invalid_ssh", "invalid --ssh \"\(text.prefix(80))\"",
        hint: "use user@host: a user of letters, digits, . _ -; a host name or address")
    }
    self.target = target
    portNumber = try arguments.value(Self.port) ?? 22
    identityFile = try arguments.value(Self.identity)
  }

  func run(context: CommandContext) async throws -> ExitCode {
    try context.requireUserAuthority(for: "hosts")
    let identity = try identityFile.map { file in
      try HostOutput.mappingErrors {
        try Hosts.checkIdentityFile(
          Self.expandingTilde(file, context: context), relativeTo: FileManager.default.currentDirectoryPath)
      }
    }
    let hosts = try HostOutput.hosts(context)
    let host = try HostOutput.mappingErrors {
      try hosts.add(name: name, target: target, port: portNumber, identityFile: identity)
    }
    if context.json {
      try context.console.writeJSON(HostJSON(host: host))
    } else {
      context.console.write("added host \(host.name) (\(host.sshTarget), port \(host.port))\n")
    }
    return .success
  }

  /// `~/x` with the user's home, as a shell would have expanded it.
  static func expandingTilde(_ path: String, context: CommandContext) -> String {
    guard path.hasPrefix("~/"), let home = context.environment["HOME"], !home.isEmpty else { return path }
    return home + path.dropFirst()
  }
}
