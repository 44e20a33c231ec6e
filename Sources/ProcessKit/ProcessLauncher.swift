#if canImport(Glibc)
  import Glibc
#endif

/// Who reaps a launched child once it exits.
public enum ChildReaping: Sendable {
  /// The caller: it calls ``ProcessLauncher/waitForExit(_:)``, or exits soon, after which
  /// the child is reparented to init (or a subreaper), which reaps it.
  case byCaller
  /// A background thread of this process blocks in `waitpid` for the child and hands its exit
  /// status (or why it could not be collected) to `onExit`. Nothing keeps this process alive.
  case inBackground(onExit: @Sendable (Result<ExitStatus, ProcessError>) -> Void = { _ in })
}

/// Starts processes: argv (never a shell), explicit environment, in a new session and process
/// group, with nothing inherited beyond descriptors 0–2, and identified by a ``ProcessIdentity``.
///
/// - Important: A launched child that exits stays a zombie until it is reaped. A short-lived
///   caller (the CLI) may simply exit: the child is reparented and reaped by init. A long-lived
///   caller (a supervisor, a test runner, an app embedding the library) must reap every child, with
///   ``waitForExit(_:)`` or ``reapInBackground(_:onExit:)``, or launch with
///   ``launchDetached(_:reaping:)``, which reaps in the background by default.
public struct ProcessLauncher: Sendable {
  /// The `PATH` searched when the environment has none (as `execvp` does).
  public static let defaultSearchPath = "/usr/bin:/bin"

  let control: any ProcessControl
  let table: any ProcessTable

  /// A launcher for this machine.
  public init() { self.init(control: SystemProcessControl(), table: SystemProcessTable()) }

  init(control: any ProcessControl, table: any ProcessTable) {
    self.control = control
    self.table = table
  }

  /// The absolute path of the running executable; `nil` when it cannot be determined.
  public func currentExecutablePath() -> String? { control.currentExecutablePath() }

  /// The absolute path `executable` names, resolved as the launcher resolves it.
  ///
  /// A name without `/` is searched on `environment["PATH"]` (absolute entries only; relative and
  /// empty entries are skipped); a relative path is taken from `workingDirectory` (or the current
  /// directory). Only regular files this process may execute count.
  ///
  /// - Throws: ``ProcessError/Code/executableNotFound`` naming the executable and the `PATH`
  ///   searched; ``ProcessError/Code/invalidConfiguration`` for an empty name.
  public func resolveExecutable(
    _ executable: String, environment: [String: String], workingDirectory: String? = nil
  ) throws(ProcessError) -> String {
    guard !executable.isEmpty, !executable.utf8.contains(0) else {
      throw ProcessError(
        code: .invalidConfiguration, message: "the executable name is empty or contains a NUL byte")
    }
    if executable.utf8.contains(UInt8(ascii: "/")) {
      let path: String
      if executable.hasPrefix("/") {
        path = executable
      } else {
        let base = workingDirectory ?? control.currentDirectory() ?? "/"
        path = (base.hasSuffix("/") ? base : base + "/") + executable
      }
      guard control.isExecutableFile(path) else {
        throw ProcessError(
          code: .executableNotFound, message: "executable \(path) does not exist or is not executable")
      }
      return path
    }
    let searchPath = environment["PATH"] ?? Self.defaultSearchPath
    for directory in searchPath.split(separator: ":") where directory.hasPrefix("/") {
      var candidate = String(directory)
      if !candidate.hasSuffix("/") { candidate += "/" }
      candidate += executable
      if control.isExecutableFile(candidate) { return candidate }
    }
    throw ProcessError(
      code: .executableNotFound,
      message: "executable \(executable) not found on PATH \(searchPath.isEmpty ? "(empty)" : searchPath)")
  }

  /// Starts a process, and returns at once.
  ///
  /// The child runs in a new session and process group (its pid is both ids), with an empty signal
  /// mask and default signal dispositions, with exactly `configuration.environment` plus
  /// `MULTIAGENT_SPAWN_ID`, and with no open descriptors beyond 0, 1 and 2.
  ///
  /// - Returns: the child's identity. The caller must reap it (see ``ChildReaping/byCaller``).
  /// - Throws: ``ProcessError`` with ``ProcessError/Code/executableNotFound``,
  ///   ``ProcessError/Code/workingDirectoryNotFound``, ``ProcessError/Code/fileOpenFailed``,
  ///   ``ProcessError/Code/invalidConfiguration`` or ``ProcessError/Code/spawnFailed``.
  public func launch(_ configuration: ProcessLaunchConfiguration) throws(ProcessError) -> ProcessIdentity {
    if let directory = configuration.workingDirectory, !control.isDirectory(directory) {
      throw ProcessError(
        code: .workingDirectoryNotFound,
        message: "working directory \(directory) does not exist or is not a directory")
    }
    let path = try resolveExecutable(
      configuration.executable, environment: configuration.environment,
      workingDirectory: configuration.workingDirectory)
    let spawnID = configuration.spawnID ?? ProcessIdentity.makeSpawnID()
    var environment = configuration.environment
    environment[ProcessIdentity.spawnIDVariable] = spawnID
    let request = SpawnRequest(
      executablePath: path, argv: [configuration.executable] + configuration.arguments,
      environment: try Self.environmentEntries(environment), workingDirectory: configuration.workingDirectory,
      standardInput: configuration.standardInput, output: configuration.output,
      descriptor3: configuration.descriptor3, awaitsExec: configuration.awaitsExec)
    if let bad = request.argv.first(where: { $0.utf8.contains(0) }) {
      throw ProcessError(
        code: .invalidConfiguration, message: "an argument contains a NUL byte: \(bad.debugDescription)")
    }
    let pid = try control.spawn(request)
    // The child is ours and not yet reaped, so its /proc entry exists even if it already exited.
    guard let startTime = table.snapshot(of: pid)?.startTime else {
      _ = control.send(SignalNumber.kill, to: pid)
      _ = try? control.waitForExit(pid, blocking: true)
      throw ProcessError(code: .inspectionFailed, message: "cannot read the start time of new process \(pid)")
    }
    return ProcessIdentity(pid: pid, startTime: startTime, spawnID: spawnID, bootID: table.bootID())
  }

  /// Starts a process that outlives this one, and returns at once.
  ///
  /// Like ``launch(_:)`` (new session, so closing the terminal does not hang it up), plus reaping:
  /// by default a background thread reaps the child should it exit while this process still runs,
  /// so no zombie accumulates; when this process exits first, the child is reparented.
  ///
  /// - Parameters:
  ///   - configuration: What to start.
  ///   - reaping: Who reaps the child; ``ChildReaping/inBackground(onExit:)`` by default.
  /// - Returns: the child's identity, to store and check later with ``ProcessInspector``.
  /// - Throws: as ``launch(_:)``.
  public func launchDetached(
    _ configuration: ProcessLaunchConfiguration, reaping: ChildReaping = .inBackground()
  ) throws(ProcessError) -> ProcessIdentity {
    let identity = try launch(configuration)
    if case .inBackground(let onExit) = reaping { reapInBackground(identity.pid, onExit: onExit) }
    return identity
  }

  /// Starts this program again (`<current executable> <arguments>`) detached: new session,
  /// stdin `/dev/null`, stdout and stderr appended to `logFile`. For the supervisor subcommand.
  ///
  /// - Parameters:
  ///   - arguments: The arguments after `argv[0]`, e.g. `["supervise", "--agent", id]`.
  ///   - environment: The child's complete environment (pass this process's to inherit it).
  ///   - logFile: The file that receives stdout and stderr (appended; created 0600).
  ///   - workingDirectory: The directory to start in; `nil` for this process's.
  ///   - reaping: Who reaps the child; ``ChildReaping/inBackground(onExit:)`` by default.
  /// - Returns: the child's identity.
  /// - Throws: ``ProcessError/Code/executableNotFound`` when the running executable cannot be
  ///   determined, or as ``launch(_:)``.
  public func launchCurrentExecutableDetached(
    arguments: [String], environment: [String: String], logFile: String, workingDirectory: String? = nil,
    reaping: ChildReaping = .inBackground()
  ) throws(ProcessError) -> ProcessIdentity {
    guard let executable = control.currentExecutablePath() else {
      throw ProcessError(
        code: .executableNotFound, message: "cannot determine the path of the running executable")
    }
    let configuration = ProcessLaunchConfiguration(
      executable: executable, arguments: arguments, environment: environment,
      workingDirectory: workingDirectory,
      standardInput: .null, output: .appendingToFile(logFile))
    return try launchDetached(configuration, reaping: reaping)
  }

  /// Waits for the child `pid` to exit and reaps it, blocking the calling thread.
  ///
  /// - Returns: how it ended; a non-zero exit or a signal is a result, not an error.
  /// - Throws: ``ProcessError/Code/notAChild`` when `pid` is not this process's child (use
  ///   ``ProcessInspector/waitUntilGone(_:timeout:)`` for those), ``ProcessError/Code/waitFailed``.
  public func waitForExit(_ pid: Int32) throws(ProcessError) -> ExitStatus {
    try Self.blockingWait(pid, control)
  }

  /// Waits for the child `pid` to exit and reaps it, on a dedicated thread so that no task blocks.
  ///
  /// - Important: Not cancellable: it returns when the child exits.
  /// - Returns: how it ended.
  /// - Throws: as ``waitForExit(_:)``.
  public func waitForExit(_ pid: Int32) async throws(ProcessError) -> ExitStatus {
    let control = control
    let result: Result<ExitStatus, ProcessError> = await withCheckedContinuation { continuation in
      control.runOnDedicatedThread {
        continuation.resume(
          returning: Result { () throws(ProcessError) in try Self.blockingWait(pid, control) })
      }
    }
    return try result.get()
  }

  /// Reaps the child `pid` if it has exited, without blocking.
  ///
  /// - Returns: how it ended, or `nil` when it is still running.
  /// - Throws: as ``waitForExit(_:)``.
  public func exitStatusIfExited(_ pid: Int32) throws(ProcessError) -> ExitStatus? {
    try control.waitForExit(pid, blocking: false)
  }

  /// Reaps the child `pid` on a background thread when it exits, then calls `onExit`.
  ///
  /// - Important: Only for this process's own children, and only one waiter per child: a second
  ///   `waitpid` on the same pid gets ``ProcessError/Code/notAChild``.
  public func reapInBackground(
    _ pid: Int32, onExit: @escaping @Sendable (Result<ExitStatus, ProcessError>) -> Void = { _ in }
  ) {
    let control = control
    control.runOnDedicatedThread {
      onExit(Result { () throws(ProcessError) in try Self.blockingWait(pid, control) })
    }
  }

  private static func blockingWait(_ pid: Int32, _ control: any ProcessControl) throws(ProcessError)
    -> ExitStatus
  {
    while true {
      if let status = try control.waitForExit(pid, blocking: true) { return status }
    }
  }

  /// `NAME=value` entries, sorted, after checking that each can be passed to `execve`.
  private static func environmentEntries(_ environment: [String: String]) throws(ProcessError) -> [String] {
    // In the order of the names' bytes (the same as `<` for the ASCII names an environment holds),
    // checked byte by byte: `String` comparison and `contains` cost a child's start tens of
    // microseconds for a few dozen variables.
    let sorted = environment.sorted { left, right in
      left.key.withCString { a in right.key.withCString { b in strcmp(a, b) < 0 } }
    }
    var entries: [String] = []
    entries.reserveCapacity(sorted.count)
    for (name, value) in sorted {
      guard !name.isEmpty, !name.utf8.contains(where: { $0 == UInt8(ascii: "=") || $0 == 0 }),
        !value.utf8.contains(0)
      else {
        throw ProcessError(
          code: .invalidConfiguration,
          message: "invalid environment variable name or value: \(name.debugDescription)")
      }
      entries.append(name + "=" + value)
    }
    return entries
  }
}
