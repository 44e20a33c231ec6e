import ProcessKit

#if canImport(Glibc)
  import Glibc
#endif

/// What is asked of hosts over SSH: whether they answer, which multiagent they run, installing it.
extension Hosts {
  /// Where `hosts install` puts multiagent, under the remote user's home.
  public static let remoteBinaryPath = "~/" + RemoteMultiAgent.path

  /// Checks every host at once: connects, asks the version of its multiagent, counts its agents.
  /// A host that does not answer within `timeout` is unreachable; none waits for another.
  ///
  /// - Returns: one status per host, in the order given.
  public func statuses(of hosts: [RemoteHost], timeout: Duration) async -> [HostStatus] {
    await withTaskGroup(of: (Int, HostStatus).self) { group in
      for (index, host) in hosts.enumerated() {
        group.addTask { (index, await status(of: host, timeout: timeout)) }
      }
      var statuses = [HostStatus?](repeating: nil, count: hosts.count)
      for await (index, status) in group { statuses[index] = status }
      return statuses.compactMap { $0 }
    }
  }

  /// Checks one host (see ``statuses(of:timeout:)``).
  public func status(of host: RemoteHost, timeout: Duration) async -> HostStatus {
    let agents = (try? activeAgentCount(on: host)) ?? 0
    do {
      let version = try await remoteVersion(of: host, timeout: timeout)
      return HostStatus(host: host, reachable: true, version: version, error: nil, agents: agents)
    } catch {
      let reachable = error.code == .notInstalled || error.code == .remoteFailed
      return HostStatus(
        host: host, reachable: reachable, version: nil, error: error.code == .notInstalled ? nil : error,
        agents: agents)
    }
  }

  /// The version the host's multiagent prints (`0.1.0`).
  ///
  /// - Throws: ``HostError``: `notInstalled`, `remoteFailed` (it is there but does not run), or
  ///   what ``SSHRunner/run(_:remoteCommand:input:timeout:)`` throws.
  public func remoteVersion(of host: RemoteHost, timeout: Duration) async throws(HostError) -> String {
    let output = try await ssh.run(
      host, remoteCommand: ShellQuoting.shellScript(RemoteMultiAgent.versionScript), timeout: timeout)
    switch output.exit {
    case .exited(0):
      return RemoteMultiAgent.version(fromOutput: output.standardOutputText)
    case .exited(127):
      throw HostError(
        .notInstalled, host: host.name,
        "multiagent is not installed on host \(host.name) (\(Self.remoteBinaryPath) is missing)")
    default:
      throw HostError(
        .remoteFailed, host: host.name,
        "multiagent on host \(host.name) does not run (\(output.exit)): "
          + String(output.standardErrorText.prefix(300)))
    }
  }

  /// Copies the multiagent binary at `binary` to the host (``remoteBinaryPath``), unless the host
  /// already reports `version` and `force` is false. The copy travels over the SSH connection's
  /// standard input, lands under a temporary name, is checked (size, `--version` runs) and renamed
  /// into place.
  ///
  /// - Returns: what was done, with the version the host reports afterwards.
  /// - Throws: ``HostError``: `localFailure` (the binary cannot be read), `remoteFailed` (the copy
  ///   failed on the host), or what reaching the host throws.
  public func install(
    on host: RemoteHost, binary: String, version: String, force: Bool = false,
    timeout: Duration = .seconds(10)
  ) async throws(HostError) -> HostInstallation {
    var previous: String?
    do {
      previous = try await remoteVersion(of: host, timeout: timeout)
    } catch  where error.code == .notInstalled || error.code == .remoteFailed {
      previous = nil
    }
    if let previous, previous == version, !force { return .upToDate(version: version) }
    let bytes = try Self.readFile(binary, host: host)
    let output = try await ssh.run(
      host,
      remoteCommand: ShellQuoting.shellScript(
        RemoteMultiAgent.installScript, arguments: [String(bytes.count)]),
      input: bytes, timeout: timeout + .seconds(Int64(bytes.count / 1_000_000)))
    guard output.exit == .exited(0) else {
      throw HostError(
        .remoteFailed, host: host.name,
        "installing multiagent on host \(host.name) failed (\(output.exit)): "
          + String(output.standardErrorText.prefix(300)))
    }
    return .installed(version: try await remoteVersion(of: host, timeout: timeout), previous: previous)
  }

  /// The bytes of a local file.
  static func readFile(_ path: String, host: RemoteHost) throws(HostError) -> [UInt8] {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else {
      throw HostError(
        .localFailure, host: host.name, "cannot read \(path) (\(String(cString: strerror(errno))))")
    }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
      let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
      if count == 0 { return bytes }
      if count < 0 {
        if errno == EINTR { continue }
        throw HostError(
          .localFailure, host: host.name, "cannot read \(path) (\(String(cString: strerror(errno))))")
      }
      bytes.append(contentsOf: chunk[0..<count])
    }
  }
}
