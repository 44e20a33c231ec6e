import Foundation
import StateStore

#if canImport(Glibc)
  import Glibc
#endif

/// Small file helpers that keep state private: directories 0700, files 0600. None follows a
/// symbolic link inside the state home (see ``PrivatePath``).
enum FileSystem {
  /// Creates `path` (and parents) with mode 0700, and makes an existing folder 0700; refuses a
  /// symbolic link or a file there.
  static func makePrivateDirectory(_ path: String) throws(AgentError) {
    do throws(UnsafePathError) { try PrivatePath.makePrivateDirectory(path) } catch {
      throw AgentError(.invalidPath, error.description, underlying: error)
    }
  }

  /// Opens `path` for appending (created 0600); refuses a symbolic link or anything but a regular
  /// file. The caller closes the descriptor.
  static func openForAppending(_ path: String) throws(AgentError) -> Int32 {
    do throws(UnsafePathError) { return try PrivatePath.openForAppending(path) } catch {
      throw AgentError(.invalidPath, error.description, underlying: error)
    }
  }

  /// Writes `data` atomically to `path` with mode 0600: into a new file created 0600 (never
  /// readable by others, not even for a moment), then renamed over `path`. Like the database
  /// (`synchronous=NORMAL`), it survives the writer crashing, not the machine losing power: there
  /// is no fsync, which would cost milliseconds on every spawn.
  static func writeSecure(_ data: Data, to path: String) throws {
    try data.withUnsafeBytes { try writeSecure($0, to: path) }
  }

  /// Writes `text` as UTF-8, as the `Data` form writes its bytes (without making a `Data` of the
  /// text, whose generic initializer costs a runtime conformance lookup).
  static func writeSecure(_ text: String, to path: String) throws {
    try writeSecure(Array(text.utf8), to: path)
  }

  /// Writes `bytes`, as the `Data` form does.
  static func writeSecure(_ bytes: [UInt8], to path: String) throws {
    try bytes.withUnsafeBytes { try writeSecure($0, to: path) }
  }

  /// Writes `bytes` atomically to `path`, as ``writeSecure(_:to:)-(Data,_)`` does, through the
  /// empty staging file `staging` when there is one (a spare folder's, see `SpareDirectories`):
  /// no new file is created then.
  static func writeSecure(_ bytes: [UInt8], to path: String, staging: String) throws {
    try bytes.withUnsafeBytes { try writeSecure($0, to: path, staging: staging) }
  }

  /// Writes `text` (UTF-8) into `path`, a file no one reads yet: the empty file a spare folder holds
  /// there (no new file is created), else a new one, 0600. Not atomic: for the files of an agent
  /// being spawned, read only once its run plan exists.
  static func writeNew(_ text: String, to path: String) throws(AgentError) {
    let bytes = Array(text.utf8)
    let descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0o600)
    guard descriptor >= 0 else { throw writeError(path) }
    defer { close(descriptor) }
    var info = stat()
    guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
      throw AgentError(.invalidPath, "cannot write \(path): not a regular file; move it away")
    }
    // Emptied only when it is not: see `emptied(_:)`.
    guard emptied(descriptor, size: info.st_size) else { throw writeError(path) }
    let complete = bytes.withUnsafeBytes { writeAll($0, to: descriptor) }
    guard complete else { throw writeError(path) }
  }

  private static func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) -> Bool {
    var written = 0
    while written < bytes.count {
      let count = write(descriptor, bytes.baseAddress! + written, bytes.count - written)
      if count < 0 && errno == EINTR { continue }
      guard count > 0 else { return false }
      written += count
    }
    return true
  }

  /// Opens the file at `path` for writing if it exists and is private: a regular file (never
  /// through a link) with one link and no access for group or others; with its size then. `nil`
  /// otherwise, the file left as it was. The caller closes the descriptor.
  static func openPrivateFile(_ path: String) -> (descriptor: Int32, size: off_t)? {
    let descriptor = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
    guard descriptor >= 0 else { return nil }
    var info = stat()
    guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_nlink == 1,
      info.st_mode & 0o077 == 0
    else {
      close(descriptor)
      return nil
    }
    return (descriptor, info.st_size)
  }

  /// Opens the staging file `staging` emptied (``openPrivateFile(_:)``): -1 when it is not one.
  private static func openStaging(_ staging: String) -> Int32 {
    guard let (descriptor, size) = openPrivateFile(staging) else { return -1 }
    guard emptied(descriptor, size: size) else {
      close(descriptor)
      return -1
    }
    return descriptor
  }

  /// Empties the open file `descriptor` of `size` bytes, unless it is empty already: on ext4, a
  /// truncation to nothing — even of an empty file — marks the file to be written out when it is
  /// closed (`auto_da_alloc`, for files replaced by truncation), which put block I/O (~0.2 ms) on
  /// the path of every spawn. `false` when the truncation failed.
  private static func emptied(_ descriptor: Int32, size: off_t) -> Bool {
    size == 0 || ftruncate(descriptor, 0) == 0
  }

  private static func writeSecure(
    _ bytes: UnsafeRawBufferPointer, to path: String, staging: String? = nil
  ) throws(AgentError) {
    var temporary = path + ".tmp-\(getpid())"
    var descriptor: Int32 = -1
    if let staging {
      descriptor = openStaging(staging)
      if descriptor >= 0 { temporary = staging }
    }
    if descriptor < 0 {
      unlink(temporary)  // left by a crashed process that had our pid
      descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
    }
    guard descriptor >= 0 else { throw writeError(path) }
    let complete = writeAll(bytes, to: descriptor)
    let error = complete ? nil : writeError(path)
    close(descriptor)
    if let error {
      unlink(temporary)
      throw error
    }
    guard rename(temporary, path) == 0 else {
      let error = writeError(path)
      unlink(temporary)
      throw error
    }
  }

  private static func writeError(_ path: String) -> AgentError {
    AgentError(.invalidPath, "cannot write \(path): \(String(cString: strerror(errno)))")
  }

  /// The bytes of the file at `path` (through links, as `FileManager.contents(atPath:)` reads), or
  /// `nil` when it cannot be opened or read. A regular file is read with one `fstat` and, as a rule,
  /// one `read`: Foundation's reader costs tens of microseconds more, a missing file most of all
  /// (an error object is made for it), on every agent's start. Anything else is left to Foundation.
  static func contents(atPath path: String) -> Data? {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard descriptor >= 0 else { return nil }
    var info = stat()
    guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
      close(descriptor)
      return FileManager.default.contents(atPath: path)
    }
    defer { close(descriptor) }
    // One byte more than the size: the read that finds the end comes without growing the buffer.
    guard let bytes = readToEnd(descriptor, sizeHint: Int(clamping: info.st_size) + 1) else { return nil }
    return bytes.isEmpty ? Data() : bytes.withUnsafeBytes { Data(bytes: $0.baseAddress!, count: $0.count) }
  }

  /// Reads `descriptor` to its end, or until `limit` bytes are in; `nil` when a read fails. Reads
  /// straight into the result, first `sizeHint` bytes of it (a file's size, when known), growing
  /// it as needed: no scratch buffer to zero and copy from.
  static func readToEnd(_ descriptor: Int32, limit: Int = .max, sizeHint: Int = 4096) -> [UInt8]? {
    var data = [UInt8](repeating: 0, count: min(max(sizeHint, 1), limit))
    var filled = 0
    while filled < limit {
      if filled == data.count {
        data.append(contentsOf: repeatElement(0, count: min(max(data.count, 4096), limit - filled)))
      }
      let count = data.withUnsafeMutableBytes {
        read(descriptor, $0.baseAddress! + filled, $0.count - filled)
      }
      if count < 0 && errno == EINTR { continue }
      guard count >= 0 else { return nil }
      if count == 0 { break }
      filled += count
    }
    data.removeSubrange(filled...)
    return data
  }

  /// What a file of mode `mode` is, for a message ("a directory", "a FIFO (named pipe)", …).
  static func kind(of mode: mode_t) -> String {
    switch mode & S_IFMT {
    case S_IFREG: "a regular file"
    case S_IFDIR: "a directory"
    case S_IFIFO: "a FIFO (named pipe)"
    case S_IFSOCK: "a socket"
    case S_IFCHR: "a character device"
    case S_IFBLK: "a block device"
    default: "not a regular file"
    }
  }

  /// Whether something exists at `path` (following symbolic links).
  static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

  /// Whether `path` names anything, a dangling symbolic link included (`lstat`, never following).
  static func entryExists(_ path: String) -> Bool {
    var status = stat()
    return lstat(path, &status) == 0
  }

  /// Whether `path` is a symbolic link (`lstat`, never following).
  static func isSymbolicLink(_ path: String) -> Bool {
    var status = stat()
    return lstat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFLNK
  }

  /// The current directory.
  static var currentDirectory: String { FileManager.default.currentDirectoryPath }

  /// `path` with every symbolic link resolved (`realpath`), if it exists.
  static func resolved(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
  }

  /// `path` made absolute against the current directory and standardized.
  static func absolute(_ path: String) -> String {
    let absolute = path.hasPrefix("/") ? path : currentDirectory + "/" + path
    // `.` and `..` resolved by name, as URL's standardized path does (links are not followed).
    var components: [Substring] = []
    for component in absolute.split(separator: "/") {
      if component == "." { continue }
      if component == ".." {
        _ = components.popLast()
      } else {
        components.append(component)
      }
    }
    var result = ""
    for component in components {
      result += "/"
      result += String(component)
    }
    return result.isEmpty ? "/" : result
  }
}
