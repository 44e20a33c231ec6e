#if canImport(Glibc)
  import Glibc
#endif

/// Sleeps until the state database may have changed, or a timeout passes.
///
/// Every commit writes the database's write-ahead log (`state.db-wal`, kept while any connection is
/// open, as the waiter's own is), so an inotify watch on it wakes a waiter when another process
/// settles an agent, instead of at its next poll. Where inotify is unavailable a wait sleeps for the
/// timeout. Waiters re-read the records after every wait, so a spurious wake (another agent's
/// commit) costs one read and a missed one costs at most the timeout.
final class StoreChangeWatcher: @unchecked Sendable {
  // Only `wait` reads the descriptors after init, one call at a time (AgentManager.wait's loop).
  private let inotify: Int32

  /// Watches the database files at `databasePath` (`state.db` and its `-wal`).
  init(databasePath: String) {
    var descriptor: Int32 = -1
    #if os(Linux)
      descriptor = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
      if descriptor >= 0 {
        let paths: [String] = [databasePath + "-wal", databasePath]
        let watched = paths.filter { path in inotify_add_watch(descriptor, path, UInt32(IN_MODIFY)) >= 0 }
        if watched.isEmpty {
          close(descriptor)
          descriptor = -1
        }
      }
    #endif
    inotify = descriptor
  }

  deinit {
    if inotify >= 0 { close(inotify) }
  }

  /// Blocks until the database was written or `timeout` passed, then consumes the pending
  /// notifications.
  func wait(timeout: Duration) {
    let milliseconds = Int32(clamping: timeout.wholeMilliseconds)
    guard inotify >= 0 else {
      usleep(UInt32(min(max(milliseconds, 1), 1_000_000)) * 1000)
      return
    }
    var entry = pollfd(fd: inotify, events: Int16(POLLIN), revents: 0)
    if poll(&entry, 1, max(milliseconds, 0)) > 0 {
      var buffer = [UInt8](repeating: 0, count: 4096)
      while read(inotify, &buffer, buffer.count) > 0 {}
    }
  }
}
