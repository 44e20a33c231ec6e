import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A context file of a spawn (`SpawnOptions/inputFiles`), checked: the regular file to copy and
/// the name its copy gets in the agent's inputs.
struct InputFile: Equatable {
  /// The absolute path of the regular file (a symbolic link given is resolved).
  var source: String
  /// The copy's name: the last component of the path given (the link's name, for a link).
  var name: String

  /// Checks `file` with `lstat`/`stat` — never opening it: opening a FIFO for reading blocks until
  /// a writer comes, and a device may never end. A symbolic link stands for the file it points to.
  ///
  /// - Throws: ``AgentError`` (`invalidPath`) when `file` does not exist, is a dangling link, or is
  ///   not a regular file (a directory, FIFO, socket or device).
  init(checking file: String) throws(AgentError) {
    let path = FileSystem.absolute(file)
    var status = stat()
    guard lstat(path, &status) == 0 else {
      throw AgentError(
        .invalidPath, "input file \(file) does not exist or is not a file", facts: ["field": "input"])
    }
    var source = path
    if status.st_mode & S_IFMT == S_IFLNK {
      let destination = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?"
      guard stat(path, &status) == 0, let resolved = FileSystem.resolved(path) else {
        throw AgentError(
          .invalidPath, "input file \(file) is a symbolic link to \(destination), which does not exist",
          facts: ["field": "input"])
      }
      source = resolved
    }
    guard status.st_mode & S_IFMT == S_IFREG else {
      throw AgentError(
        .invalidPath,
        "input file \(file) is \(FileSystem.kind(of: status.st_mode)); only regular files can be inputs",
        facts: ["field": "input"])
    }
    self.source = source
    self.name = URL(fileURLWithPath: path).lastPathComponent
  }

  /// Copies the file into `directory` as a new private (0600) regular file called ``name``,
  /// replacing one of that name.
  ///
  /// The source is opened non-blocking and checked again, so a FIFO swapped in since the check is
  /// refused, not waited on.
  ///
  /// - Returns: the copy's path.
  func copy(into directory: String) throws(AgentError) -> String {
    let target = directory + "/" + name
    return try readingSource { (input, _) throws(AgentError) -> String in
      unlink(target)
      let output = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
      guard output >= 0 else { throw failure("cannot create \(target)") }
      defer { close(output) }
      try forEachChunk(of: input) { (chunk) throws(AgentError) in
        var written = 0
        while written < chunk.count {
          let step = write(output, chunk.baseAddress! + written, chunk.count - written)
          if step < 0 && errno == EINTR { continue }
          guard step > 0 else { throw failure("cannot write \(target)") }
          written += step
        }
      }
      return target
    }
  }

  /// The file's bytes, read the way ``copy(into:)`` reads them: opened non-blocking and checked
  /// again, so a FIFO swapped in since the check is refused, not waited on.
  func contents() throws(AgentError) -> [UInt8] {
    try readingSource { (input, status) throws(AgentError) -> [UInt8] in
      var bytes: [UInt8] = []
      bytes.reserveCapacity(Int(status.st_size))
      try forEachChunk(of: input) { chunk in bytes.append(contentsOf: chunk) }
      return bytes
    }
  }

  /// Opens the source non-blocking, checks again that it is a regular file (a FIFO swapped in
  /// since the check is refused, not waited on), and runs `body` with the descriptor and its status.
  private func readingSource<T>(_ body: (Int32, stat) throws(AgentError) -> T) throws(AgentError) -> T {
    let input = open(source, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    guard input >= 0 else { throw failure("cannot open \(source)") }
    defer { close(input) }
    var status = stat()
    guard fstat(input, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
      throw AgentError(
        .invalidPath, "input file \(source) is no longer a regular file", facts: ["field": "input"])
    }
    return try body(input, status)
  }

  /// Reads `input` to its end, 64 KiB at a time, handing each piece to `body`.
  private func forEachChunk(
    of input: Int32, _ body: (UnsafeRawBufferPointer) throws(AgentError) -> Void
  ) throws(AgentError) {
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 1)
    defer { buffer.deallocate() }
    while true {
      let count = read(input, buffer.baseAddress, buffer.count)
      if count < 0 && errno == EINTR { continue }
      guard count >= 0 else { throw failure("cannot read \(source)") }
      if count == 0 { return }
      try body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
    }
  }

  private func failure(_ what: String) -> AgentError {
    AgentError(.invalidPath, "\(what): \(String(cString: strerror(errno)))", facts: ["field": "input"])
  }
}
