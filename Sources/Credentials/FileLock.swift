#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// An exclusive advisory lock (`flock(2)`) on a lock file, held until ``unlock()`` or deinit.
///
/// Every acquisition opens the file anew, so the lock excludes other processes *and* other threads
/// of this process (flock locks belong to the open file description, not to the process). The
/// descriptor is opened close-on-exec, so a child process (an agent CLI spawned while the lock is
/// held) never inherits it. The lock file itself is created mode 0600 and left in place: deleting
/// it would let two processes lock two different files. A symbolic link or anything but a regular
/// file at its path is refused, never followed.
public final class FileLock: @unchecked Sendable {
  /// The lock file.
  public let path: String
  private var descriptor: Int32

  private init(path: String, descriptor: Int32) {
    self.path = path
    self.descriptor = descriptor
  }

  /// Waits for the exclusive lock on `path` (created if missing) and returns it held.
  ///
  /// - Parameters:
  ///   - path: the lock file; its directory must exist.
  ///   - timeout: how long to wait for another holder before giving up.
  /// - Throws: ``CredentialError`` `.io` when the file cannot be opened or the wait times out.
  public static func acquire(path: String, timeout: TimeInterval = 60) throws(CredentialError) -> FileLock {
    // Never through a symbolic link (it could point anywhere, and O_CREAT would create its target);
    // O_NONBLOCK so that a FIFO in the way cannot block the open.
    let descriptor = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else {
      let reason = errno == ELOOP ? "it is a symbolic link; move it away" : String(cString: strerror(errno))
      throw CredentialError(.io, "cannot open lock file \(path): \(reason)")
    }
    var info = stat()
    guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
      close(descriptor)
      throw CredentialError(.io, "cannot open lock file \(path): it is not a regular file; move it away")
    }
    let deadline = Date().addingTimeInterval(timeout)
    var pause: UInt32 = 2_000  // microseconds; grows to 50 ms
    while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
      let failure = errno
      guard failure == EWOULDBLOCK || failure == EINTR else {
        close(descriptor)
        throw CredentialError(.io, "cannot lock \(path): \(String(cString: strerror(failure)))")
      }
      guard Date() < deadline else {
        close(descriptor)
        throw CredentialError(
          .io, "timed out after \(Int(timeout)) s waiting for the lock \(path) (another process holds it)")
      }
      usleep(pause)
      pause = min(pause * 2, 50_000)
    }
    return FileLock(path: path, descriptor: descriptor)
  }

  /// Runs `body` while holding the exclusive lock on `path`, and releases it afterwards.
  ///
  /// - Parameters:
  ///   - path: the lock file; its directory must exist.
  ///   - timeout: how long to wait for another holder before giving up.
  ///   - body: the work to do under the lock.
  /// - Throws: ``CredentialError`` from acquiring the lock or from `body`.
  public static func withLock<Result>(
    path: String, timeout: TimeInterval = 60, _ body: () throws(CredentialError) -> Result
  ) throws(CredentialError) -> Result {
    let lock = try acquire(path: path, timeout: timeout)
    defer { lock.unlock() }
    return try body()
  }

  /// Releases the lock (idempotent).
  public func unlock() {
    guard descriptor >= 0 else { return }
    flock(descriptor, LOCK_UN)
    close(descriptor)
    descriptor = -1
  }

  deinit { unlock() }
}
