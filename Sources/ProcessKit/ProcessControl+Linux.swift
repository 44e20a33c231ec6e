#if os(Linux)
  import CMultiAgentShims
  import Glibc

  /// `posix_spawn`, `kill` and `waitpid` on Linux (glibc).
  struct LinuxProcessControl: ProcessControl {
    func spawn(_ request: SpawnRequest) throws(ProcessError) -> Int32 {
      // Files opened here for the child: closed on return, when the child has its own copies.
      var opened: [Int32] = []
      defer { opened.forEach { _ = close($0) } }
      let standard = try Self.standardDescriptors(for: request, opening: &opened)

      var actions = posix_spawn_file_actions_t()
      posix_spawn_file_actions_init(&actions)
      defer { posix_spawn_file_actions_destroy(&actions) }
      try Self.addFileActions(&actions, for: request, standard: standard)

      var attributes = posix_spawnattr_t()
      posix_spawnattr_init(&attributes)
      defer { posix_spawnattr_destroy(&attributes) }
      Self.startInNewSessionWithDefaultSignals(&attributes)

      let pid = try Self.spawnRetryingBusyExecutable(request, actions: &actions, attributes: &attributes)
      if request.awaitsExec { Self.awaitExecCompletion(pid) }
      return pid
    }

    /// The descriptors the child gets as standard input, output and error, opening (and
    /// recording in `opened`) the files the request names.
    private static func standardDescriptors(
      for request: SpawnRequest, opening opened: inout [Int32]
    ) throws(ProcessError) -> (input: Int32, output: Int32, error: Int32) {
      let input: Int32
      switch request.standardInput {
      case .null: input = try open("/dev/null", O_RDONLY, role: "standard input", into: &opened)
      case .file(let path): input = try open(path, O_RDONLY, role: "standard input", into: &opened)
      case .descriptor(let descriptor): input = descriptor
      }
      switch request.output {
      case .null:
        let output = try open("/dev/null", O_WRONLY, role: "output", into: &opened)
        return (input, output, output)
      case .appendingToFile(let path):
        // Never through a symbolic link: it could point anywhere (ELOOP, reported as such).
        let output = try open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, role: "output", into: &opened)
        return (input, output, output)
      case .descriptors(let standardOutput, let standardError):
        return (input, standardOutput, standardError)
      }
    }

    /// Arranges the child's descriptors and directory, in order: the three standard descriptors
    /// and descriptor 3 if passed, then close everything else, then chdir.
    private static func addFileActions(
      _ actions: inout posix_spawn_file_actions_t, for request: SpawnRequest,
      standard: (input: Int32, output: Int32, error: Int32)
    ) throws(ProcessError) {
      for (source, target) in [(standard.input, Int32(0)), (standard.output, 1), (standard.error, 2)] {
        try passDescriptor(source, as: target, &actions, to: request.executablePath)
      }
      var firstClosed: Int32 = 3
      if let passed = request.descriptor3 {
        try passDescriptor(passed, as: 3, &actions, to: request.executablePath)
        firstClosed = 4
      }
      try closeInheritedDescriptors(&actions, from: firstClosed)
      if let directory = request.workingDirectory {
        let status = multiagent_posix_spawn_file_actions_addchdir(&actions, directory)
        guard status == 0 else {
          throw ProcessError(
            code: .spawnFailed, underlyingErrno: status,
            message: "cannot start \(request.executablePath) in \(directory): \(describe(status))")
        }
      }
    }

    /// Gives the child `source` as descriptor `target`: a dup2 action, or when it already is
    /// `target`, clearing its close-on-exec flag.
    private static func passDescriptor(
      _ source: Int32, as target: Int32, _ actions: inout posix_spawn_file_actions_t,
      to executablePath: String
    ) throws(ProcessError) {
      let status =
        source == target
        ? clearCloseOnExec(source) : posix_spawn_file_actions_adddup2(&actions, source, target)
      guard status == 0 else {
        throw ProcessError(
          code: .spawnFailed, underlyingErrno: status,
          message: "cannot pass descriptor \(source) as \(target) to \(executablePath)")
      }
    }

    /// Makes the child a session leader (so its whole tree can be signalled as one group) with
    /// every signal at its default action and none blocked, whatever this process has set.
    private static func startInNewSessionWithDefaultSignals(_ attributes: inout posix_spawnattr_t) {
      var defaultSignals = sigset_t()
      multiagent_sigset_fill_all(&defaultSignals)
      posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
      var noBlockedSignals = sigset_t()
      sigemptyset(&noBlockedSignals)
      posix_spawnattr_setsigmask(&attributes, &noBlockedSignals)
      let flags = multiagent_posix_spawn_setsid_flag() | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK
      posix_spawnattr_setflags(&attributes, Int16(flags))
    }

    /// Spawns the request's executable and returns the child's pid, retrying while the
    /// executable is busy (ETXTBSY) with exponential backoff.
    private static func spawnRetryingBusyExecutable(
      _ request: SpawnRequest, actions: inout posix_spawn_file_actions_t,
      attributes: inout posix_spawnattr_t
    ) throws(ProcessError) -> Int32 {
      let argv = request.argv.map { strdup($0) } + [nil]
      let envp = request.environment.map { strdup($0) } + [nil]
      defer { (argv + envp).forEach { free($0) } }

      var pid: pid_t = 0
      var status = posix_spawn(&pid, request.executablePath, &actions, &attributes, argv, envp)
      // ETXTBSY: the executable was just written (a test's fake CLI) and a concurrent fork still
      // holds a copy of the writer's descriptor until it execs. That clears within moments.
      var backoff: UInt32 = 1_000
      while status == ETXTBSY, backoff <= 256_000 {
        usleep(backoff)
        backoff *= 2
        status = posix_spawn(&pid, request.executablePath, &actions, &attributes, argv, envp)
      }
      guard status == 0 else {
        let where_ = request.workingDirectory.map { " in \($0)" } ?? ""
        throw ProcessError(
          code: .spawnFailed, underlyingErrno: status,
          message: "cannot start \(request.executablePath)\(where_): \(describe(status))")
      }
      return pid
    }

    /// Waits (briefly) until the child's environment is visible in /proc.
    ///
    /// posix_spawn returns when the kernel wakes the vfork parent, which is inside `execve`
    /// before the new program's environment is laid out; until then /proc/<pid>/environ reads
    /// empty and the spawn id could not be verified. Microseconds in practice; bounded at ~1 s.
    private static func awaitExecCompletion(_ pid: Int32) {
      let table = LinuxProcessTable()
      for _ in 0..<10_000 {
        switch table.environment(of: pid) {
        case .entries(let entries) where entries.isEmpty:
          if table.snapshot(of: pid)?.isZombie ?? true { return }
          usleep(100)
        default:
          return
        }
      }
    }

    func waitForExit(_ pid: Int32, blocking: Bool) throws(ProcessError) -> ExitStatus? {
      while true {
        var status: Int32 = 0
        let result = waitpid(pid, &status, blocking ? 0 : WNOHANG)
        if result == pid {
          if let exit = ExitStatus(waitStatus: status) { return exit }
          continue  // stopped/continued: not reported without WUNTRACED, but keep waiting if so
        }
        if result == 0 { return nil }
        let failure = errno
        if failure == EINTR { continue }
        if failure == ECHILD {
          throw ProcessError(
            code: .notAChild, underlyingErrno: failure,
            message: "pid \(pid) is not a child of this process (or was already reaped)")
        }
        throw ProcessError(
          code: .waitFailed, underlyingErrno: failure,
          message: "cannot wait for pid \(pid): \(Self.describe(failure))")
      }
    }

    func send(_ signal: Int32, to pid: Int32) -> SignalDelivery {
      if kill(pid, signal) == 0 { return .delivered }
      switch errno {
      case ESRCH: return .noSuchProcess
      case EPERM: return .notPermitted
      case let failure: return .failed(failure)
      }
    }

    func runOnDedicatedThread(_ body: @escaping @Sendable () -> Void) {
      final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
      }
      var attributes = pthread_attr_t()
      pthread_attr_init(&attributes)
      defer { pthread_attr_destroy(&attributes) }
      pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
      // A thread that only waits needs little stack.
      pthread_attr_setstacksize(&attributes, 256 * 1024)
      let context = Unmanaged.passRetained(Box(body)).toOpaque()
      var thread = pthread_t()
      let status = pthread_create(
        &thread, &attributes,
        { context in
          Unmanaged<Box>.fromOpaque(context!).takeRetainedValue().body()
          return nil
        }, context)
      if status != 0 {
        // Out of threads: run it here rather than lose it.
        Unmanaged<Box>.fromOpaque(context).takeRetainedValue().body()
      }
    }

    func isExecutableFile(_ path: String) -> Bool {
      var info = stat()
      guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return false }
      return access(path, X_OK) == 0
    }

    func isDirectory(_ path: String) -> Bool {
      var info = stat()
      return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }

    func currentDirectory() -> String? {
      guard let buffer = getcwd(nil, 0) else { return nil }
      defer { free(buffer) }
      return String(cString: buffer)
    }

    func currentExecutablePath() -> String? {
      var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
      let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
      guard count > 0 else { return nil }
      return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Opens `path` close-on-exec at descriptor 3 or above, so that no other spawn inherits it and
    /// the dup2s onto 0, 1 and 2 never overwrite a source.
    private static func open(
      _ path: String, _ flags: Int32, role: String, into opened: inout [Int32]
    ) throws(ProcessError) -> Int32 {
      var descriptor: Int32
      repeat {
        descriptor = Glibc.open(path, flags | O_CLOEXEC, 0o600)
      } while descriptor < 0 && errno == EINTR
      guard descriptor >= 0 else {
        let failure = errno
        throw ProcessError(
          code: .fileOpenFailed, underlyingErrno: failure,
          message: "cannot open \(role) file \(path): "
            + (failure == ELOOP && flags & O_NOFOLLOW != 0 ? "it is a symbolic link" : describe(failure)))
      }
      if descriptor < 3 {
        let moved = fcntl(descriptor, F_DUPFD_CLOEXEC, 3)
        let failure = errno
        _ = close(descriptor)
        guard moved >= 0 else {
          throw ProcessError(
            code: .fileOpenFailed, underlyingErrno: failure,
            message: "cannot open \(role) file \(path): \(describe(failure))")
        }
        descriptor = moved
      }
      opened.append(descriptor)
      return descriptor
    }

    /// A descriptor passed as itself (e.g. the caller's own stdout as stdout) is not duplicated,
    /// so it must not be close-on-exec.
    private static func clearCloseOnExec(_ descriptor: Int32) -> Int32 {
      let flags = fcntl(descriptor, F_GETFD)
      guard flags >= 0 else { return errno }
      return fcntl(descriptor, F_SETFD, flags & ~FD_CLOEXEC) == 0 ? 0 : errno
    }

    /// Closes every descriptor from `lowest` up in the child: `closefrom` as a file action (glibc 2.34+);
    /// on older glibc, a close action per descriptor open now (a descriptor opened concurrently
    /// without `O_CLOEXEC` could then still leak).
    private static func closeInheritedDescriptors(
      _ actions: inout posix_spawn_file_actions_t, from lowest: Int32
    ) throws(ProcessError) {
      let status = multiagent_posix_spawn_file_actions_addclosefrom(&actions, lowest)
      if status == 0 { return }
      guard status == ENOSYS, let directory = opendir("/proc/self/fd") else {
        throw ProcessError(
          code: .spawnFailed, underlyingErrno: status,
          message: "cannot arrange for inherited descriptors to be closed: \(describe(status))")
      }
      defer { closedir(directory) }
      let own = dirfd(directory)
      while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) {
          String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
        }
        if let descriptor = Int32(name), descriptor >= lowest, descriptor != own {
          posix_spawn_file_actions_addclose(&actions, descriptor)
        }
      }
    }

    private static func describe(_ error: Int32) -> String { String(cString: strerror(error)) }
  }

  /// This platform's process actions.
  typealias SystemProcessControl = LinuxProcessControl
#endif
