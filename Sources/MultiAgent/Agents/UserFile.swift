#if canImport(Glibc)
  import Glibc
#endif

/// A file the user names for its text — a prompt file, an answers file, a message file — read
/// whole. Only a regular file is read: it is opened non-blocking, so a FIFO is refused instead of
/// waited on, and a device (`/dev/zero` never ends) is refused before anything is read.
public enum UserFile {
  /// The bytes of the regular file at `path` (a symbolic link stands for the file it points to).
  ///
  /// - Parameter what: the file's role in a message, e.g. "the prompt file".
  /// - Throws: ``AgentError`` (`invalidPath`) saying why: missing, unreadable (with the system's
  ///   reason), or not a regular file (which kind it is).
  public static func read(_ path: String, as what: String) throws(AgentError) -> [UInt8] {
    let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    guard descriptor >= 0 else { throw failure("cannot read \(what) \(path)") }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else { throw failure("cannot read \(what) \(path)") }
    guard status.st_mode & S_IFMT == S_IFREG else {
      throw AgentError(
        .invalidPath, "\(what) \(path) is \(FileSystem.kind(of: status.st_mode)); give a regular file")
    }
    guard let bytes = FileSystem.readToEnd(descriptor) else { throw failure("cannot read \(what) \(path)") }
    return bytes
  }

  private static func failure(_ what: String) -> AgentError {
    AgentError(.invalidPath, "\(what): \(String(cString: strerror(errno)))")
  }
}
