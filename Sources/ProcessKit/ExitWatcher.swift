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
  /// An inotify descriptor watching a file for writes, when asked for one (-1 otherwise).
  private let fileDescriptor: Int32

  /// What ended a wait.
  public enum Wake: Sendable, Equatable {
    /// The process exited (or has exited before the wait).
    case exited
    /// The watched file was written to.
    case fileChanged
    /// The timeout passed (or the wait could not tell: callers check for themselves).
    case timedOut
  }

  /// Watches process `pid`, and with `path`, also wakes a wait when that file is written to (a
  /// log being followed: read it when there is something to read, rather than on a timer). A pid
  /// that names another process by now (the caller's check decides) costs nothing but full-length
  /// waits.
  public init(pid: Int32, wakingOnWritesTo path: String? = nil) {
    descriptor = pid > 0 ? multiagent_pidfd_open(pid) : -1
    var watch: Int32 = -1
    if let path {
      watch = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
      if watch >= 0, inotify_add_watch(watch, path, UInt32(IN_MODIFY)) < 0 {
        close(watch)
        watch = -1
      }
    }
    fileDescriptor = watch
  }

  deinit {
    if descriptor >= 0 { close(descriptor) }
    if fileDescriptor >= 0 { close(fileDescriptor) }
  }

  /// Blocks until the process has exited or `timeout` passed; with `files`, also until the watched
  /// file is written to (writes since the last such wait count too).
  @discardableResult
  public func wait(timeout: Duration, files: Bool = false) -> Wake {
    let milliseconds = Int32(clamping: timeout.wholeMilliseconds)
    guard descriptor >= 0 else {
      usleep(UInt32(min(max(milliseconds, 1), 1_000_000)) * 1000)
      return .timedOut
    }
    var entries = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)]
    if files && fileDescriptor >= 0 {
      entries.append(pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0))
    }
    guard poll(&entries, nfds_t(entries.count), max(milliseconds, 0)) > 0 else { return .timedOut }
    if entries[0].revents != 0 { return .exited }
    drainFileEvents()
    return .fileChanged
  }

  /// Reads the pending inotify events: one wake for however many writes came meanwhile.
  private func drainFileEvents() {
    var buffer = [UInt8](repeating: 0, count: 4096)
    while buffer.withUnsafeMutableBytes({ read(fileDescriptor, $0.baseAddress, $0.count) }) > 0 {}
  }
}

extension Duration {
  /// The duration in whole milliseconds (rounded down), for poll(2)-style timeouts.
  public var wholeMilliseconds: Int64 {
    components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
  }
}
