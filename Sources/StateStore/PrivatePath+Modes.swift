#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension PrivatePath {
  /// Sets the mode of the regular file at `path` to `mode` when this user owns it, without ever
  /// following a symbolic link there; nothing there is fine.
  ///
  /// The file is opened with `O_PATH | O_NOFOLLOW` — not for reading or writing — and the mode set on
  /// what that descriptor names (`/proc/self/fd/N`, which is how glibc implements
  /// `fchmodat(…, AT_SYMLINK_NOFOLLOW)`). A descriptor opened for reading or writing would not do:
  /// closing any such descriptor of a file drops every POSIX lock this process holds on it (fcntl
  /// semantics), which would silently release the locks of a SQLite connection this process has
  /// open on the database, its `-wal` or its `-shm`. Closing an `O_PATH` descriptor drops none.
  ///
  /// Setting the mode is best effort (as `chmod` was); refusing the file is not.
  ///
  /// - Throws: ``UnsafePathError`` for a symbolic link, anything but a regular file, or a file with
  ///   other hard links whose mode would have to change (changing it would change theirs).
  package static func setFileMode(_ path: String, _ mode: mode_t) throws(UnsafePathError) {
    let descriptor = openFile(path, pathOnlyFlag | O_NOFOLLOW | O_CLOEXEC, 0)
    guard descriptor >= 0 else {
      if errno == ENOENT { return }
      throw .system(path, "cannot inspect the file")
    }
    defer { close(descriptor) }
    var info = stat()
    guard fstat(descriptor, &info) == 0 else { throw .system(path, "cannot inspect the file") }
    switch kind(info) {
    case .file: break
    case .symbolicLink: throw .symbolicLink(path)
    default: throw .notA("regular file", path)
    }
    guard info.st_mode & 0o7777 != mode, info.st_uid == geteuid() else { return }
    guard info.st_nlink <= 1 else {
      throw UnsafePathError(
        path: path, reason: .hardLinked,
        message: "has \(info.st_nlink) hard links, and multiagent does not change the mode of a file "
          + "linked elsewhere; move it away")
    }
    #if os(Linux)
      _ = chmod("/proc/self/fd/\(descriptor)", mode)
    #else
      _ = fchmodat(AT_FDCWD, path, mode, AT_SYMLINK_NOFOLLOW)
    #endif
  }

  /// `O_PATH` (Swift's Glibc module does not export it): a descriptor that names a file without
  /// opening it for reading or writing. The value is Linux's on every architecture Swift supports.
  private static var pathOnlyFlag: Int32 {
    #if os(Linux)
      0o10_000_000
    #else
      O_RDONLY
    #endif
  }
}
