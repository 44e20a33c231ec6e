import Foundation
import MultiAgent

/// `multiagent hosts install NAME`: puts this multiagent on a host.
struct HostsInstallCommand: ParsableCommand {
  static let force = Flag("force", help: "Copy it even when the host reports the same version.")

  static let configuration = CommandConfiguration(
    name: "install",
    abstract: "Install (or update) this multiagent on a host, over SSH.",
    discussion: """
      Copies this multiagent binary to ~/.local/share/multiagent/bin/multiagent on the host through
      the SSH connection, under a temporary name that is checked and then renamed into place, so a
      failed copy changes nothing. Skipped when the host already reports this version (--force
      copies anyway).
      """,
    options: [force, HostOutput.timeout],
    arguments: [HostOutput.name]
  )

  let name: String
  let forced: Bool
  let timeout: Duration

  init(arguments: ParsedArguments) throws {
    name = arguments.argument(HostOutput.name) ?? ""
    forced = arguments.isSet(Self.force)
    timeout = HostOutput.timeout(try arguments.value(HostOutput.timeout))
  }

  func run(context: CommandContext) async throws -> ExitCode {
    let hosts = try HostOutput.hosts(context)
    let host = try HostOutput.host(name, in: hosts)
    let outcome: HostInstallation
    do throws(HostError) {
      // The running binary itself, even if its file was replaced since it started.
      outcome = try await hosts.install(
        on: host, binary: "/proc/self/exe", version: MultiAgentVersion.current, force: forced,
        timeout: timeout)
    } catch {
      throw HostOutput.cliError(error)
    }
    let (installed, version, previous): (Bool, String, String?) =
      switch outcome {
      case .installed(let version, let previous): (true, version, previous)
      case .upToDate(let version): (false, version, version)
      }
    if context.json {
      try context.console.writeJSON(
        InstallJSON(name: host.name, installed: installed, version: version, previousVersion: previous))
    } else if installed {
      context.console.write("installed multiagent \(version) on host \(host.name)\n")
    } else {
      context.console.write("host \(host.name) already has multiagent \(version)\n")
    }
    return .success
  }
}

/// `hosts install --json`: what was done.
private struct InstallJSON: Encodable {
  var name: String
  var installed: Bool
  var version: String
  var previousVersion: String?

  private enum CodingKeys: String, CodingKey {
    case name, installed, version, previousVersion = "previous_version"
  }

  func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(name, forKey: .name)
    try c.encode(installed, forKey: .installed)
    try c.encode(version, forKey: .version)
    try c.encode(previousVersion, forKey: .previousVersion)
  }
}
