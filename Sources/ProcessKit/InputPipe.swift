#if os(Linux)
  import CMultiAgentShims
  import Glibc
#endif

/// The writing end of a pipe that feeds a child's standard input while it runs, kept by the
/// caller: writes never block (what the child has not read yet waits in a buffer, written on the
/// next ``flush()``), and a child that closed its end never kills the caller with `SIGPIPE`.
///
/// Not thread-safe: one owner writes, flushes and closes it.
public final class InputPipe {
  /// The read end, for ``ProcessLaunchConfiguration/Input/descriptor(_:)``; close it in the caller
  /// once the child started (``closeReadEnd()``).
  public private(set) var readEnd: Int32
  private var writeEnd: Int32
  private var pending: [UInt8] = []
  private var closeWhenFlushed = false

  /// Makes a pipe with both ends close-on-exec.
  ///
  /// - Throws: ``ProcessError`` when the system has no descriptors left.
  public init() throws(ProcessError) {
    var descriptors: [Int32] = [-1, -1]
    guard multiagent_pipe_cloexec(&descriptors) == 0 else {
      let failure = errno
      throw ProcessError(
        code: .spawnFailed, underlyingErrno: failure,
        message: "cannot make a pipe for a child's standard input: \(String(cString: strerror(failure)))")
    }
    readEnd = descriptors[0]
    writeEnd = descriptors[1]
    _ = fcntl(writeEnd, F_SETFL, fcntl(writeEnd, F_GETFL) | O_NONBLOCK)
  }

  deinit {
    closeReadEnd()
    if writeEnd >= 0 { _ = Glibc.close(writeEnd) }
  }

  /// Whether the writing end is closed (by ``close()``, or because the child closed its end).
  public var isClosed: Bool { writeEnd < 0 }

  /// Bytes written to the pipe's buffer but not yet taken by the pipe.
  public var pendingCount: Int { pending.count }

  /// Closes the read end in this process (the child has its own copy).
  public func closeReadEnd() {
    if readEnd >= 0 {
      _ = Glibc.close(readEnd)
      readEnd = -1
    }
  }

  /// Queues `bytes` and writes what the pipe takes now.
  ///
  /// - Returns: `false` when the pipe is closed (nothing can reach the child any more).
  @discardableResult
  public func write(_ bytes: [UInt8]) -> Bool {
    guard !isClosed else { return false }
    pending += bytes
    flush()
    return !isClosed
  }

  /// Writes what is queued, as far as the pipe takes it; closes the pipe when asked to and done.
  public func flush() {
    guard writeEnd >= 0 else { return }
    // SIGPIPE is held while writing and any pending one taken, so a closed reader is just EPIPE.
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
    var written = 0
    while written < pending.count {
      let count = pending[written...].withUnsafeBytes { Glibc.write(writeEnd, $0.baseAddress, $0.count) }
      if count > 0 {
        written += count
      } else if count < 0 && errno == EINTR {
        continue
      } else if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
        break
      } else {
        pending = []
        written = 0
        closeNow()
        return
      }
    }
    pending.removeFirst(written)
    if closeWhenFlushed && pending.isEmpty { closeNow() }
  }

  /// Closes the writing end once everything queued is written: the child reads end of file then.
  public func close() {
    closeWhenFlushed = true
    flush()
  }

  private func closeNow() {
    if writeEnd >= 0 {
      _ = Glibc.close(writeEnd)
      writeEnd = -1
    }
  }
}
