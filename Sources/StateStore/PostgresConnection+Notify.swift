import CLibPQ

#if canImport(Glibc)
  import Glibc
#endif

/// `LISTEN`/`NOTIFY`: a wake-up for followers, never a carrier of data (a follower reads the tables
/// after waking, and polls anyway, so a lost notification only delays it).
extension PostgresConnection {
  /// Sends `NOTIFY channel`: delivered to listeners when the current transaction commits (once per
  /// transaction, however often it is sent).
  package func notify(_ channel: String) throws(StoreError) {
    try execute("NOTIFY \(channel)")
  }

  /// A new connection to the same server that listens on `channel`.
  package func listener(on channel: String) throws(StoreError) -> PostgresConnection {
    let listener = try PostgresConnection.open(url: url, timeouts: timeouts)
    try listener.execute("LISTEN \(channel)")
    listener.listening = channel
    return listener
  }

  /// Waits until a notification arrives on a listening connection, or `timeout` passes: whether one
  /// arrived. A broken connection is reopened (and listens again) on the next call; meanwhile it
  /// just waits out the timeout, as a poll would.
  package func waitForNotification(timeout: Duration) -> Bool {
    if handle == nil || pq.status(handle) != CONNECTION_OK, let channel = listening {
      dropConnection()
      _ = try? reconnect()
      _ = try? execute("LISTEN \(channel)")
    }
    let milliseconds = Int32(
      clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
    guard let handle, pq.status(handle) == CONNECTION_OK else {
      usleep(UInt32(clamping: Int(milliseconds) * 1000))
      return false
    }
    if drainNotifications(handle) { return true }
    var descriptor = pollfd(fd: pq.socket(handle), events: Int16(POLLIN), revents: 0)
    guard poll(&descriptor, 1, max(milliseconds, 0)) > 0 else { return false }
    guard pq.consumeInput(handle) != 0 else {
      dropConnection()
      return false
    }
    return drainNotifications(handle)
  }

  private func drainNotifications(_ handle: OpaquePointer) -> Bool {
    var any = false
    while let notification = pq.notifies(handle) {
      pq.freemem(notification)
      any = true
    }
    return any
  }
}
