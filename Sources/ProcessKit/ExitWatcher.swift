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
    changes = -1
  }

  /// Watches process `pid`, and wakes a wait early when the file at `path` is written to (an
  /// inotify watch), for a caller that must react to what the process writes there at once.
  ///
  /// The watch's descriptor is never closed: closing an inotify descriptor waits for a kernel
  /// grace period (~15 ms), which the caller would pay right when it must act; it goes when the
  /// process exits. Use it for a few watches per process, not thousands.
  public init(pid: Int32, fileChanges path: String) {
    descriptor = pid > 0 ? multiagent_pidfd_open(pid) : -1
    let watch = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
    if watch >= 0 && inotify_add_watch(watch, path, UInt32(IN_MODIFY)) < 0 {
      close(watch)
      changes = -1
    } else {
      changes = watch
    }
  }

  private let changes: Int32

  deinit {
    if descriptor >= 0 { close(descriptor) }
  }

  /// Blocks until the process has exited, the watched file changed, or `timeout` passed.
  ///
  /// - Returns: whether the process is known to have exited (its pidfd is readable): a wait on it
  ///   from then on returns at once, so a caller that goes on waiting sleeps instead.
  @discardableResult
  public func wait(timeout: Duration) -> Bool {
    let milliseconds = Int32(clamping: timeout.wholeMilliseconds)
    guard descriptor >= 0 || changes >= 0 else {
      usleep(UInt32(min(max(milliseconds, 1), 1_000_000)) * 1000)
      return false
    }
    var entries = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)]
    if changes >= 0 { entries.append(pollfd(fd: changes, events: Int16(POLLIN), revents: 0)) }
    _ = poll(&entries, nfds_t(entries.count), max(milliseconds, 0))
    if changes >= 0 && entries[entries.count - 1].revents != 0 {
      // Drain the events: what changed is read from the file itself.
      var buffer = [UInt8](repeating: 0, count: 4096)
      while buffer.withUnsafeMutableBytes({ read(changes, $0.baseAddress, $0.count) }) > 0 {}
    }
    return descriptor >= 0 && entries[0].revents != 0
  }
}

extension Duration {
  /// The duration in whole milliseconds (rounded down), for poll(2)-style timeouts.
  public var wholeMilliseconds: Int64 {
    components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
  }
}
