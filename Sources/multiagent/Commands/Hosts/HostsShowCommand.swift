import Foundation
import MultiAgent

/// `multiagent hosts show NAME`: one host, checked now.
struct HostsShowCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    name: "show",
    abstract: "Show a host: where it is, whether it answers, its multiagent version.",
    options: [HostOutput.timeout],
    arguments: [HostOutput.name]
  )

  let name: String
  let timeout: Duration

  init(arguments: ParsedArguments) throws {
    name = arguments.argument(HostOutput.name) ?? ""
    timeout = HostOutput.timeout(try arguments.value(HostOutput.timeout))
  }

  func run(context: CommandContext) async throws -> ExitCode {
    let hosts = try HostOutput.hosts(context)
    let host = try HostOutput.host(name, in: hosts)
    let status = await hosts.status(of: host, timeout: timeout)
    if context.json {
      try context.console.writeJSON(HostJSON(host: host, status: status))
      return .success
    }
    var lines = [
      "name:      \(host.name)", "ssh:       \(host.sshTarget)", "port:      \(host.port)",
      "identity:  \(host.identityFile ?? "(ssh's default)")",
      "added:     \(AccountOutput.localTime(host.createdAt))",
      "reachable: \(status.reachable ? "yes" : "no")", "version:   \(HostOutput.version(status))",
      "agents:    \(status.agents)",
    ]
    if let error = status.error { lines.append("error:     \(error.message)") }
    context.console.write(lines.joined(separator: "\n") + "\n")
    return .success
  }
}
