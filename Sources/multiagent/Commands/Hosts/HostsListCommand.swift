import Foundation
import MultiAgent

/// `multiagent hosts list`: every host, checked at once.
struct HostsListCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    name: "list",
    abstract: "List the hosts: reachable or not (and why), their multiagent version, their agents.",
    discussion: """
      Columns: NAME SSH PORT REACHABLE VERSION AGENTS; why a host is unreachable follows the table.
      All hosts are checked at once, each for at most --timeout seconds. With --json, an array of
      hosts with reachable, installed, version, agents and error ({code, message} or null).
      """,
    options: [HostOutput.timeout]
  )

  let timeout: Duration

  init(arguments: ParsedArguments) throws {
    timeout = HostOutput.timeout(try arguments.value(HostOutput.timeout))
  }

  func run(context: CommandContext) async throws -> ExitCode {
    let hosts = try HostOutput.hosts(context)
    let list = try HostOutput.mappingErrors { try hosts.list() }
    let statuses = await hosts.statuses(of: list, timeout: timeout)
    if context.json {
      try context.console.writeJSON(statuses.map { HostJSON(host: $0.host, status: $0) })
      return .success
    }
    guard !statuses.isEmpty else {
      context.console.writeError("no hosts; add one with `multiagent hosts add NAME --ssh user@host`\n")
      return .success
    }
    var table = TextTable(["NAME", "SSH", "PORT", "REACHABLE", "VERSION", "AGENTS"])
    for status in statuses {
      table.append([
        status.host.name, status.host.sshTarget, String(status.host.port), status.reachable ? "yes" : "no",
        HostOutput.version(status), String(status.agents),
      ])
    }
    var text = table.rendered()
    for status in statuses {
      if let error = status.error { text += "\(status.host.name): \(error.message)\n" }
    }
    context.console.write(text)
    return .success
  }
}
