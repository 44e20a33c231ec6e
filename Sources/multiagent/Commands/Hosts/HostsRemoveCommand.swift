import Foundation
import MultiAgent

/// `multiagent hosts remove NAME`: forgets a host.
struct HostsRemoveCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    name: "remove",
    abstract: "Forget a host (the multiagent installed there stays).",
    discussion: "Refused while an agent that is not done runs on it.",
    arguments: [HostOutput.name]
  )

  let name: String

  init(arguments: ParsedArguments) {
    name = arguments.argument(HostOutput.name) ?? ""
  }

  func run(context: CommandContext) async throws -> ExitCode {
    let hosts = try HostOutput.hosts(context)
    let host = try HostOutput.host(name, in: hosts)
    let active = try HostOutput.mappingErrors { try hosts.activeAgentCount(on: host) }
    guard active == 0 else {
      throw CLIError.failure(
        "host_in_use",
        "host \(host.name) runs \(active) agent\(active == 1 ? "" : "s") that \(active == 1 ? "is" : "are") not done",
        hint: "stop or wait for them (see 'multiagent list')")
    }
    do throws(StoreError) {
      try await hosts.remove(host)
    } catch {
      throw CLIError.failure("state_error", error.description)
    }
    if context.json {
      try context.console.writeJSON(HostJSON(host: host))
    } else {
      context.console.write("removed host \(host.name) (\(host.sshTarget))\n")
    }
    return .success
  }
}
