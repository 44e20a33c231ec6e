/// How multiagent calls the system `ssh` for one host: the argv, built once here and nowhere else.
///
/// Every call shares one master connection per host (ControlMaster, socket in `<home>/ssh`, kept
/// for a minute after the last call), never prompts (BatchMode), records new host keys in
/// `<home>/ssh/known_hosts` and refuses changed ones, gives up connecting after
/// ``connectTimeout`` seconds and notices a silent peer within about three keep-alive intervals.
public struct SSHConnection: Sendable, Hashable {
  /// The host.
  public var host: RemoteHost
  /// `<home>/ssh`: multiagent's known_hosts and master sockets (0700).
  public var directory: String
  /// Seconds ssh waits for a new connection.
  public var connectTimeout: Int
  /// Seconds between keep-alives on an open connection (three unanswered ones end it).
  public var keepAliveInterval: Int

  /// The longest master socket path ssh can bind: `sun_path` holds 108 bytes and ssh binds a name
  /// 17 bytes longer before renaming it.
  static let longestControlPath = 90

  /// A connection to `host` with its files in `directory`.
  public init(host: RemoteHost, directory: String, connectTimeout: Int = 5, keepAliveInterval: Int = 2) {
    self.host = host
    self.directory = directory
    self.connectTimeout = connectTimeout
    self.keepAliveInterval = keepAliveInterval
  }

  /// `<directory>/known_hosts`.
  public var knownHostsFile: String { directory + "/known_hosts" }

  /// The master socket of this host's user, address and port, or nil when the path would be too
  /// long for a socket (then every call connects on its own: slower, not wrong).
  public var controlPath: String? {
    let key = "\(host.user ?? "")@\(host.address):\(host.port)"
    let path = directory + "/cm-" + String(SHA256.hexDigest(key).prefix(16))
    return path.utf8.count <= Self.longestControlPath ? path : nil
  }

  /// The arguments of `ssh` (after argv[0]) that run `remoteCommand` on the host. `remoteCommand`
  /// is parsed by the host's shell: build it with ``ShellQuoting``.
  public func arguments(remoteCommand: String) -> [String] {
    options + ["--", host.address, remoteCommand]
  }

  /// The arguments that ask this host's master connection to exit (`ssh -O exit`), or nil when
  /// calls do not share one.
  public var closeMasterArguments: [String]? {
    guard controlPath != nil else { return nil }
    return options + ["-O", "exit", "--", host.address]
  }

  /// `GIT_SSH_COMMAND` for git to reach this host through the same connection: `ssh` with these
  /// options, each word quoted (git runs it with a shell).
  public var gitSSHCommand: String { ShellQuoting.command(["ssh"] + options) }

  private var options: [String] {
    var arguments = [
      "-o", "BatchMode=yes",
      "-o", "StrictHostKeyChecking=accept-new",
      "-o", "UserKnownHostsFile=" + Self.configValue(knownHostsFile),
      "-o", "ConnectTimeout=\(connectTimeout)",
      "-o", "ServerAliveInterval=\(keepAliveInterval)",
      "-o", "ServerAliveCountMax=3",
      "-o", "LogLevel=ERROR",
      "-p", String(host.port),
    ]
    if let controlPath {
      arguments += [
        "-o", "ControlMaster=auto", "-o", "ControlPath=" + Self.configValue(controlPath),
        "-o", "ControlPersist=60",
      ]
    } else {
      arguments += ["-o", "ControlMaster=no", "-o", "ControlPath=none"]
    }
    if let identity = host.identityFile {
      arguments += ["-o", "IdentitiesOnly=yes", "-i", Self.percentEscaped(identity)]
    }
    if let user = host.user { arguments += ["-l", user] }
    return arguments
  }

  /// A path as the value of `-o Key=value`: `%` doubled (ssh expands `%` tokens in these), and in
  /// double quotes with `\` and `"` escaped when it holds anything ssh's option parser would split.
  static func configValue(_ path: String) -> String {
    let escaped = percentEscaped(path)
    guard escaped.contains(where: { $0.isWhitespace || $0 == "\"" || $0 == "\\" || $0 == "'" }) else {
      return escaped
    }
    return "\"" + escaped.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
  }

  static func percentEscaped(_ path: String) -> String { path.replacing("%", with: "%%") }
}
