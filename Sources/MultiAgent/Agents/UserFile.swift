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
    var bytes: [UInt8] = []
    bytes.reserveCapacity(Int(status.st_size))
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
      if count < 0 && errno == EINTR { continue }
      guard count >= 0 else { throw failure("cannot read \(what) \(path)") }
      if count == 0 { return bytes }
      bytes += chunk[0..<count]
    }
  }

  private static func failure(_ what: String) -> AgentError {
    AgentError(.invalidPath, "\(what): \(String(cString: strerror(errno)))")
  }
}
