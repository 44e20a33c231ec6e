import Foundation
import MultiAgent

/// `multiagent hosts remove NAME`: forgets a host.
struct HostsRemoveCommand: ParsableCommand {
  static let force = Flag(
    "force", help: "Forget it even when accounts leased to it cannot come back (their copies stay there).")

  static let configuration = CommandConfiguration(
    name: "remove",
    abstract: "Forget a host (the multiagent installed there stays).",
    discussion: """
      Refused while an agent that is not done runs on it. Accounts leased to it come back first;
      when one cannot (the host does not answer, or something there still uses it) it is refused
      too, unless --force, which ends those leases and leaves the copies on the host.
      """,
    options: [force],
    arguments: [HostOutput.name]
  )

  let name: String
  let forced: Bool

  init(arguments: ParsedArguments) {
    name = arguments.argument(HostOutput.name) ?? ""
    forced = arguments.isSet(Self.force)
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
    let kept = await hosts.takeBackAccounts(from: host)
    if !kept.isEmpty, !forced {
      throw CLIError.failure(
        "host_in_use",
        "host \(host.name) holds \(kept.count) account\(kept.count == 1 ? "" : "s") leased from here that "
          + "cannot come back: " + kept.map { "\($0.0.accountID) (\($0.1))" }.joined(separator: ", "),
        hint: "try again when the host answers, or pass --force (their copies stay on the host)")
    }
    do throws(StoreError) {
      if forced { try hosts.forgetLeases(of: host) }
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
