import JSONKit
import ProcessKit
import ProviderKit

#if canImport(Glibc)
  import Glibc
#endif

/// A supervisor started before the spawn it serves has read its command line — by the program's
/// start-up, before its runtime (the `multiagent` executable does so from a C initializer) — so
/// that neither the spawn's runtime start nor `posix_spawn`'s wait for the exec is on the path to
/// the agent's CLI.
///
/// Such a supervisor runs `… --early <agent id>` with one end of a socket as its descriptor 3 and
/// `MULTIAGENT_SPAWN_ID` in its environment. The spawn, once it knows the home and the provider,
/// sends it one line: the words and the environment a supervisor started by
/// ``AgentManager/prelaunchSupervisor(_:home:provider:machine:reaping:)`` is given. From then on it
/// is that supervisor, waiting for the word (``PendingSupervisor``).
enum EarlySupervisorStart {
  /// The longest line a supervisor reads: the words and an environment.
  static let lineLimit = 4 << 20

  /// What the supervisor received.
  enum Received: Equatable {
    /// Its words, `--await-start` among them, and its environment (see ``replaceEnvironment(with:)``).
    case start(SupervisorArguments, environment: [String: String])
    /// The spawn closed the socket without a line: nothing to do.
    case abandoned
    /// A line that is not what a spawn sends.
    case invalid(String)
  }

  /// The line for the supervisor of agent `agentID`: its `words` (without `--early`) and the whole
  /// environment it runs with (`MULTIAGENT_SPAWN_ID` aside, which it keeps).
  static func line(words: [String], environment: [String: String]) -> [UInt8] {
    var object = JSONObject()
    object["words"] = .array(words.map(JSONValue.string))
    var entries = JSONObject()
    for name in environment.keys.sorted() { entries[name] = .string(environment[name]!) }
    object["environment"] = .object(entries)
    return JSONWriter.bytes(.object(object)) + [UInt8(ascii: "\n")]
  }

  /// Reads the spawn's line from the socket `descriptor` (blocking), and nothing after it.
  ///
  /// The spawn sends the word to go on the same socket as soon as it has recorded the agent: a
  /// supervisor slow to get here (its start delayed on a busy machine) finds the word behind the
  /// line, and it must stay there for ``Supervisor/awaitStart(home:agentID:registry:provider:descriptor:)``.
  /// So each read is peeked first and takes no more than up to the line's end.
  static func receive(agentID: String, descriptor: Int32 = 3) -> Received {
    Failpoint.earlySupervisorStarted.hit()
    var line: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 16 << 10)
    while line.last != UInt8(ascii: "\n") {
      let peeked = recv(descriptor, &buffer, buffer.count, Int32(MSG_PEEK))
      if peeked < 0 && errno == EINTR { continue }
      let end = peeked > 0 ? buffer[0..<peeked].firstIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } : nil
      let count = peeked > 0 ? read(descriptor, &buffer, end ?? peeked) : peeked
      if count < 0 && errno == EINTR { continue }
      guard count > 0 else {
        close(descriptor)
        return line.isEmpty ? .abandoned : .invalid("the spawn's start line ended early")
      }
      line += buffer[0..<count]
      if line.count > lineLimit { return .invalid("the spawn's start line is over \(lineLimit) bytes") }
    }
    guard let value = try? JSONParser.parse(line.dropLast()),
      let words = value["words"]?.arrayValue?.compactMap(\.stringValue),
      let environment = value["environment"]?.objectValue,
      let parsed = SupervisorArguments(words: words), parsed.awaitStart, !parsed.early,
      parsed.agentID == agentID
    else { return .invalid("not a spawn's start line for agent \(agentID)") }
    var variables: [String: String] = [:]
    for (name, entry) in zip(environment.keys, environment.values) {
      guard let text = entry.stringValue, !name.isEmpty, !name.utf8.contains(UInt8(ascii: "=")) else {
        return .invalid("not a spawn's start line for agent \(agentID): an environment entry \(name)")
      }
      variables[name] = text
    }
    return .start(parsed, environment: variables)
  }

  /// Makes `variables` this process's environment, keeping its own `MULTIAGENT_SPAWN_ID`. Called
  /// before any other thread runs.
  static func replaceEnvironment(with variables: [String: String]) {
    let spawnID = getenv(ProcessIdentity.spawnIDVariable).map { String(cString: $0) }
    clearenv()
    for (name, value) in variables { setenv(name, value, 1) }
    if let spawnID { setenv(ProcessIdentity.spawnIDVariable, spawnID, 1) }
  }
}

extension AgentManager {
  /// Takes over a supervisor the program started itself, before it knew the home or the provider:
  /// `executable arguments… [--home H] --early <agentID>`, started as
  /// ``ProcessLauncher/launchDetached(_:reaping:)`` starts a process (its own session, default
  /// signals, `/`, `/dev/null` for its standard descriptors), with `MULTIAGENT_SPAWN_ID=<spawnID>`
  /// and no agent's identity in its environment, the other end of `socket` as its descriptor 3 and
  /// nothing else open. The `multiagent` executable starts one from a C initializer for a `spawn`.
  ///
  /// It is sent the words and the environment ``prelaunchSupervisor(_:home:provider:machine:reaping:)``
  /// would give its supervisor; pass the result to ``spawn(_:maxRunning:supervisor:)`` the same way.
  /// The supervisor is this process's child, to be reaped by the caller
  /// (``PendingSupervisor/reapInBackground()``, or this process's exit).
  ///
  /// - Returns: `nil` for in-process supervision or when the supervisor is gone (the socket is then
  ///   closed and the process reaped in the background): start one the usual way.
  public static func adoptEarlySupervisor(
    pid: Int32, socket: Int32, agentID: String, spawnID: String, supervision: Supervision, home: StateHome,
    provider: String, machine: String? = nil
  ) -> PendingSupervisor? {
    func abandon() -> PendingSupervisor? {
      close(socket)
      ProcessLauncher().reapInBackground(pid)
      return nil
    }
    guard case .detached = supervision else { return abandon() }
    let inspector = ProcessInspector()
    let words = SupervisorArguments(home: home.path, agentID: agentID, awaitStart: true, provider: provider)
      .words
    let line = EarlySupervisorStart.line(
      words: words, environment: supervisorEnvironment(supervision, machine: machine))
    let sent = line.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    guard sent == line.count, let startTime = inspector.startTime(of: pid) else { return abandon() }
    let identity = ProcessIdentity(
      pid: pid, startTime: startTime, spawnID: spawnID, bootID: inspector.bootID())
    return PendingSupervisor(agentID: agentID, identity: identity, socket: socket, unreaped: true)
  }
}
