import CMultiAgentShims

#if canImport(Glibc)
  import Glibc
#endif

/// Sleeps until a process exits, or a timeout passes, whichever comes first.
///
/// On Linux a pidfd becomes readable the moment its process exits, so a loop that waits here
/// notices an exit at once instead of at its next poll. Where pidfds are unavailable (an old kernel,
/// another system) a wait simply sleeps for the timeout; callers check the process themselves
/// after each wait either way, so the watcher only ever makes them notice sooner.
public final class ExitWatcher: Sendable {
  private let descriptor: Int32

  /// Watches process `pid`. A pid that names another process by now (the caller's check decides)
  /// costs nothing but full-length waits.
  public init(pid: Int32) {
    descriptor = pid > 0 ? multiagent_pidfd_open(pid) : -1
  }

  deinit {
    if descriptor >= 0 { close(descriptor) }
  }

  /// Blocks until the process has exited or `timeout` passed.
  public func wait(timeout: Duration) {
    let milliseconds = Int32(clamping: timeout.wholeMilliseconds)
    guard descriptor >= 0 else {
      usleep(UInt32(min(max(milliseconds, 1), 1_000_000)) * 1000)
      return
    }
    var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
    _ = poll(&entry, 1, max(milliseconds, 0))
  }
}

extension Duration {
  /// The duration in whole milliseconds (rounded down), for poll(2)-style timeouts.
  public var wholeMilliseconds: Int64 {
    components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
  }
}
