#if os(Linux)
  import CMultiAgentShims
  import Glibc

  /// Pipes, `poll`, a pidfd and `waitid` on Linux.
  struct LinuxChildStreams: ChildStreams {
    func open(withInput: Bool) throws(ProcessError) -> RunPipes {
      var pipes = RunPipes()
      do {
        if withInput {
          let (read, write) = try Self.makePipe("standard input")
          pipes.childInput = read
          pipes.input = write
        }
        (pipes.output, pipes.childOutput) = try Self.makePipe("standard output")
        (pipes.error, pipes.childError) = try Self.makePipe("standard error")
      } catch {
        pipes.closeAll(self)
        throw error
      }
      for descriptor in [pipes.input, pipes.output, pipes.error] where descriptor >= 0 {
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
      }
      return pipes
    }

    func close(_ descriptor: Int32) { _ = Glibc.close(descriptor) }

    func exchange(
      _ exchange: inout PipeExchange, untilExitOf pid: Int32, deadline: ContinuousClock.Instant?,
      cancelled: () -> Bool
    ) -> ExchangeEnding {
      // A child that closes its standard input early must not kill this process with SIGPIPE.
      var pipeSignal = sigset_t()
      sigemptyset(&pipeSignal)
      sigaddset(&pipeSignal, SIGPIPE)
      var previousMask = sigset_t()
      pthread_sigmask(SIG_BLOCK, &pipeSignal, &previousMask)
      defer {
        var now = timespec(tv_sec: 0, tv_nsec: 0)
        while sigtimedwait(&pipeSignal, nil, &now) == SIGPIPE {}
        pthread_sigmask(SIG_SETMASK, &previousMask, nil)
      }
      let exitDescriptor = multiagent_pidfd_open(pid)
      defer { if exitDescriptor >= 0 { _ = Glibc.close(exitDescriptor) } }

      let clock = ContinuousClock()
      var pause = Duration.milliseconds(2)
      if exchange.pending.isEmpty { closeInput(&exchange) }
      while true {
        if Self.hasExited(pid) {
          drainAvailable(&exchange)
          return .exited
        }
        if cancelled() { return .cancelled }
        // With a pidfd the poll wakes at the exit itself; the wait only bounds cancellation checks.
        var wait = exitDescriptor >= 0 ? Duration.milliseconds(50) : pause
        if let deadline {
          let now = clock.now
          if now >= deadline { return .timedOut }
          wait = min(wait, now.duration(to: deadline))
        }
        if !poll(&exchange, exitDescriptor: exitDescriptor, timeout: wait) {
          pause = min(pause * 2, .milliseconds(50))
        }
      }
    }

    func drainAvailable(_ exchange: inout PipeExchange) {
      closeInput(&exchange)
      Self.read(&exchange.output, into: &exchange.standardOutput, limit: exchange.limit, closing: true)
      Self.read(&exchange.error, into: &exchange.standardError, limit: exchange.limit, closing: true)
    }

    /// One `poll` over the open pipes and the pidfd, then the reads and writes it allows.
    ///
    /// - Returns: whether anything was ready.
    private func poll(_ exchange: inout PipeExchange, exitDescriptor: Int32, timeout: Duration) -> Bool {
      var entries: [pollfd] = []
      if exchange.input >= 0 {
        entries.append(pollfd(fd: exchange.input, events: Int16(POLLOUT), revents: 0))
      }
      for descriptor in [exchange.output, exchange.error, exitDescriptor] where descriptor >= 0 {
        entries.append(pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0))
      }
      let milliseconds = Int32(clamping: max(timeout.wholeMilliseconds, 1))
      let ready = Glibc.poll(&entries, nfds_t(entries.count), milliseconds)
      guard ready > 0 else { return false }
      for entry in entries where entry.revents != 0 {
        if entry.fd == exchange.input {
          write(&exchange)
        } else if entry.fd == exchange.output {
          Self.read(&exchange.output, into: &exchange.standardOutput, limit: exchange.limit, closing: false)
        } else if entry.fd == exchange.error {
          Self.read(&exchange.error, into: &exchange.standardError, limit: exchange.limit, closing: false)
        }
      }
      return true
    }

    /// Writes as much pending input as the pipe takes; closes it when all is written or the child
    /// closed its end (`EPIPE`: it read all it wanted).
    private func write(_ exchange: inout PipeExchange) {
      while !exchange.pending.isEmpty {
        let count = exchange.pending.withUnsafeBytes {
          Glibc.write(exchange.input, $0.baseAddress, $0.count)
        }
        if count > 0 {
          exchange.pending.removeFirst(count)
        } else if count < 0, errno == EINTR {
          continue
        } else if count < 0, errno == EAGAIN || errno == EWOULDBLOCK {
          return
        } else {
          exchange.pending = []
        }
      }
      closeInput(&exchange)
    }

    private func closeInput(_ exchange: inout PipeExchange) {
      guard exchange.input >= 0 else { return }
      _ = Glibc.close(exchange.input)
      exchange.input = -1
      exchange.pending = []
    }

    /// Reads what `descriptor` holds now, keeping up to `limit` bytes in `buffer`; closes it at end
    /// of file (every writer is gone), or with `closing` once nothing more is available.
    private static func read(_ descriptor: inout Int32, into buffer: inout [UInt8], limit: Int, closing: Bool)
    {
      guard descriptor >= 0 else { return }
      var chunk = [UInt8](repeating: 0, count: 16 * 1024)
      while true {
        let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
        if count > 0 {
          if buffer.count < limit { buffer += chunk[..<min(count, limit - buffer.count)] }
          continue
        }
        if count < 0, errno == EINTR { continue }
        if count == 0 || closing {
          _ = Glibc.close(descriptor)
          descriptor = -1
        }
        return
      }
    }

    /// Whether the child `pid` has exited, without reaping it (so its group id stays reserved); a
    /// child something else reaped already counts as exited.
    private static func hasExited(_ pid: Int32) -> Bool {
      var info = siginfo_t()
      while true {
        if waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 {
          return info.si_signo == SIGCHLD
        }
        if errno != EINTR { return errno == ECHILD }
      }
    }

    /// A pipe with both ends close-on-exec: (read end, write end).
    private static func makePipe(_ role: String) throws(ProcessError) -> (Int32, Int32) {
      var descriptors: [Int32] = [-1, -1]
      guard multiagent_pipe_cloexec(&descriptors) == 0 else {
        let failure = errno
        throw ProcessError(
          code: .spawnFailed, underlyingErrno: failure,
          message: "cannot make a pipe for the \(role) of a child: \(String(cString: strerror(failure)))")
      }
      return (descriptors[0], descriptors[1])
    }
  }

  /// This platform's pipes to children.
  typealias SystemChildStreams = LinuxChildStreams
#endif
