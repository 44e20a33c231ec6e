import ProcessKit
import StateStore

/// Runs commands on hosts with the system `ssh` (see ``SSHConnection`` for how it is called): an
/// argv, never a local shell; input on stdin, never in argv.
public struct SSHRunner: Sendable {
  /// `<home>/ssh`: known_hosts and master sockets, created 0700 on first use.
  public let directory: String
  /// The environment ssh runs with (`PATH`, `HOME`, `SSH_AUTH_SOCK`, …).
  public let environment: [String: String]
  let runner = ProcessRunner()

  /// A runner keeping its files in `directory`.
  public init(directory: String, environment: [String: String]) {
    self.directory = directory
    self.environment = environment
  }

  /// The connection ``run(_:remoteCommand:input:timeout:)`` uses for `host`.
  public func connection(to host: RemoteHost, timeout: Duration) -> SSHConnection {
    SSHConnection(host: host, directory: directory, connectTimeout: max(1, Int(timeout.components.seconds)))
  }

  /// Runs `remoteCommand` (parsed by the host's shell: build it with ``ShellQuoting``) on `host`.
  ///
  /// - Parameters:
  ///   - input: bytes for the remote command's standard input, or nil for none.
  ///   - timeout: how long the whole call may take (connecting included).
  ///   - outputLimit: the most bytes of each output kept (the rest is read and dropped).
  /// - Returns: what the remote command printed and how it exited (a non-zero exit is a result).
  /// - Throws: ``HostError``: `unreachable` (no connection, or no answer within `timeout`),
  ///   `authRefused`, `hostKeyChanged`, `localFailure` (ssh missing, `<home>/ssh` unusable).
  public func run(
    _ host: RemoteHost, remoteCommand: String, input: [UInt8]? = nil, timeout: Duration,
    outputLimit: Int = 1 << 20
  ) async throws(HostError) -> ProcessOutput {
    try prepareDirectory(for: host)
    let arguments = connection(to: host, timeout: timeout).arguments(remoteCommand: remoteCommand)
    let output: ProcessOutput
    do {
      output = try await runner.run(
        "ssh", arguments: arguments, environment: environment, standardInput: input,
        timeout: timeout + .seconds(1), outputLimit: outputLimit)
    } catch {
      throw HostError(.localFailure, host: host.name, "cannot run ssh for host \(host.name): \(error)")
    }
    if output.interruption != nil {
      throw HostError(
        .unreachable, host: host.name,
        "host \(host.name) (\(host.sshTarget)) is unreachable: no answer within \(Self.seconds(timeout))")
    }
    if output.exit == .exited(255) { throw Self.classify(output.standardErrorText, host: host) }
    return output
  }

  /// Asks `host`'s master connection, if any, to exit; errors are ignored (there may be none).
  public func closeMaster(of host: RemoteHost) async {
    guard let arguments = connection(to: host, timeout: .seconds(2)).closeMasterArguments else { return }
    _ = try? await runner.run(
      "ssh", arguments: arguments, environment: environment, timeout: .seconds(3), outputLimit: 4096)
  }

  /// The error an `ssh` that exited 255 stands for, from what it printed.
  public static func classify(_ standardError: String, host: RemoteHost) -> HostError {
    let lines = standardError.split(whereSeparator: \.isNewline).map(trimmed).filter { !$0.isEmpty }
    let detail = lines.last.map { String($0.prefix(300)) } ?? "ssh failed without a message"
    let name = "host \(host.name) (\(host.sshTarget))"
    if lines.contains(where: { $0.contains("Permission denied") || $0.contains("Too many authentication") }) {
      return HostError(.authRefused, host: host.name, "\(name) refused the login: \(detail)")
    }
    if lines.contains(where: {
      $0.contains("REMOTE HOST IDENTIFICATION HAS CHANGED") || $0.contains("Host key verification failed")
    }) {
      return HostError(
        .hostKeyChanged, host: host.name,
        "\(name) presented a host key that differs from the one recorded in multiagent's known_hosts; "
          + "if the host was reinstalled, remove its line there")
    }
    return HostError(.unreachable, host: host.name, "\(name) is unreachable: \(detail)")
  }

  /// `5s`, `2.5s`.
  static func seconds(_ duration: Duration) -> String {
    let milliseconds =
      duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    return milliseconds % 1000 == 0 ? "\(milliseconds / 1000)s" : "\(Double(milliseconds) / 1000)s"
  }

  private func prepareDirectory(for host: RemoteHost) throws(HostError) {
    do {
      try PrivatePath.createMissingDirectories(directory)
    } catch {
      throw HostError(.localFailure, host: host.name, "cannot prepare \(directory): \(error.message)")
    }
  }
}

/// `line` without leading and trailing spaces, tabs and carriage returns.
private func trimmed(_ line: Substring) -> String {
  let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
  return String(line.drop(while: blank).reversed().drop(while: blank).reversed())
}
