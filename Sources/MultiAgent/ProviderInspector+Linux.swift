#if os(Linux)
  import Glibc
  import Synchronization

  /// A short-lived child process (a CLI's `--version`) in its own process group, with its standard
  /// output and error collected through non-blocking pipes.
  ///
  /// Polled rather than awaited: the caller checks ``hasExited()`` without reaping, so the process
  /// group id stays reserved until ``reap()``, and killing the group never hits a stranger.
  struct VersionProcess {
    /// Why a process could not be started.
    struct SpawnError: Error {
      /// A sentence from `strerror`.
      var reason: String
    }

    /// How a process ended.
    enum Termination: Equatable {
      /// It exited with this status.
      case exited(Int32)
      /// A signal ended it.
      case signaled(Int32)
      /// Something else in this process reaped it (a `waitpid(-1)` reaper), so the status is lost.
      case unknown
    }

    /// A signal sent to the whole process group.
    enum GroupSignal {
      /// SIGTERM: please exit.
      case terminate
      /// SIGKILL: exit now.
      case kill
    }

    /// Output is capped: a version is one line, and a runaway CLI must not fill memory.
    static let outputLimit = 64 * 1024

    /// pipe2 (atomic close-on-exec) is not visible without _GNU_SOURCE, so creating pipes, marking
    /// them close-on-exec and spawning are serialised: a concurrent probe's child must not inherit
    /// another probe's pipe ends (it would hold them open after that probe's CLI exits).
    private static let spawnLock = Mutex(())

    let pid: pid_t
    private var outputDescriptor: Int32
    private var errorDescriptor: Int32
    private(set) var standardOutput: [UInt8] = []
    private(set) var standardError: [UInt8] = []
    private var reaped = false

    /// Starts `executable` with `arguments`, stdin `/dev/null`, in a new process group.
    static func spawn(
      executable: String, arguments: [String], environment: [String: String]
    ) throws(SpawnError) -> VersionProcess {
      let result: Result<VersionProcess, SpawnError> = spawnLock.withLock { _ in
        var outputPipe: [Int32] = [-1, -1]
        var errorPipe: [Int32] = [-1, -1]
        guard pipe(&outputPipe) == 0 else { return .failure(SpawnError(reason: lastError())) }
        guard pipe(&errorPipe) == 0 else {
          let reason = lastError()
          outputPipe.forEach { close($0) }
          return .failure(SpawnError(reason: reason))
        }
        for descriptor in outputPipe + errorPipe { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        defer {
          close(outputPipe[1])
          close(errorPipe[1])
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outputPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errorPipe[1], 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaultSignals = sigset_t()
        sigfillset(&defaultSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        var noBlockedSignals = sigset_t()
        sigemptyset(&noBlockedSignals)
        posix_spawnattr_setsigmask(&attributes, &noBlockedSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
          &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }

        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard status == 0 else {
          close(outputPipe[0])
          close(errorPipe[0])
          return .failure(SpawnError(reason: String(cString: strerror(status))))
        }
        for descriptor in [outputPipe[0], errorPipe[0]] {
          _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        }
        return .success(
          VersionProcess(pid: pid, outputDescriptor: outputPipe[0], errorDescriptor: errorPipe[0]))
      }
      return try result.get()
    }

    private init(pid: pid_t, outputDescriptor: Int32, errorDescriptor: Int32) {
      self.pid = pid
      self.outputDescriptor = outputDescriptor
      self.errorDescriptor = errorDescriptor
    }

    /// Reads whatever output is available without blocking.
    mutating func drainOutput() {
      Self.drain(&outputDescriptor, into: &standardOutput)
      Self.drain(&errorDescriptor, into: &standardError)
    }

    /// Whether the process has exited (it is left as a zombie until ``reap()``).
    func hasExited() -> Bool {
      if reaped { return true }
      var info = siginfo_t()
      let result = waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT)
      if result < 0 { return errno == ECHILD }
      return info.si_signo == SIGCHLD
    }

    /// Sends `signal` to the process group (the CLI and anything it started).
    func signalGroup(_ signal: GroupSignal) {
      guard !reaped else { return }
      _ = kill(-pid, signal == .terminate ? SIGTERM : SIGKILL)
    }

    /// Waits for the process to exit, collects its status and closes the pipes.
    mutating func reap() -> Termination {
      var status: Int32 = 0
      var result = waitpid(pid, &status, 0)
      while result < 0, errno == EINTR { result = waitpid(pid, &status, 0) }
      reaped = true
      for descriptor in [outputDescriptor, errorDescriptor] where descriptor >= 0 { close(descriptor) }
      outputDescriptor = -1
      errorDescriptor = -1
      if result < 0 { return .unknown }
      return status & 0x7f == 0 ? .exited((status >> 8) & 0xff) : .signaled(status & 0x7f)
    }

    private static func drain(_ descriptor: inout Int32, into buffer: inout [UInt8]) {
      guard descriptor >= 0 else { return }
      var chunk = [UInt8](repeating: 0, count: 4096)
      while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count > 0 {
          if buffer.count < outputLimit { buffer += chunk[..<min(count, outputLimit - buffer.count)] }
          continue
        }
        if count < 0, errno == EINTR { continue }
        if count == 0 {  // end of file: every writer has closed it
          close(descriptor)
          descriptor = -1
        }
        return
      }
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
  }
#endif
