#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A path in the state home that multiagent refuses to use: a symbolic link, not the kind of file
/// expected, or a file the user made read-only.
package struct UnsafePathError: Error, Sendable, Hashable, CustomStringConvertible {
  /// Why the path was refused.
  package enum Reason: Sendable, Hashable {
    /// A symbolic link (multiagent never follows links it did not create).
    case symbolicLink
    /// Not a regular file where one is expected, or not a folder where one is expected.
    case wrongKind
    /// The owner cannot write it, and multiagent does not change that.
    case readOnly
    /// A regular file with other hard links, whose mode multiagent will not change.
    case hardLinked
    /// A system call failed.
    case system
  }

  /// The path concerned.
  package var path: String
  /// Why it was refused.
  package var reason: Reason
  /// What is wrong and how to fix it.
  package var message: String

  /// Creates an error.
  package init(path: String, reason: Reason, message: String) {
    self.path = path
    self.reason = reason
    self.message = message
  }

  /// `<path>: <message>`.
  package var description: String { "\(path): \(message)" }

  static func symbolicLink(_ path: String) -> UnsafePathError {
    UnsafePathError(
      path: path, reason: .symbolicLink,
      message: "is a symbolic link, and multiagent does not follow links in its state home; move it away")
  }

  static func notA(_ kind: String, _ path: String) -> UnsafePathError {
    UnsafePathError(path: path, reason: .wrongKind, message: "is not a \(kind); move it away")
  }

  static func system(_ path: String, _ action: String, _ code: Int32 = errno) -> UnsafePathError {
    UnsafePathError(path: path, reason: .system, message: "\(action) (\(String(cString: strerror(code))))")
  }
}

/// File operations on paths inside the state home that never follow a symbolic link: every path is
/// checked with `lstat`, opened with `O_NOFOLLOW`, and modes are set on descriptors, never on paths.
package enum PrivatePath {
  /// What is at a path, without following a symbolic link there.
  package enum Kind: Sendable, Hashable {
    /// Nothing.
    case missing
    /// A regular file.
    case file
    /// A folder.
    case directory
    /// A symbolic link (to anything, or dangling).
    case symbolicLink
    /// A socket, FIFO, device, …
    case other
  }

  /// `lstat(path)`, or nil when nothing is there.
  package static func status(_ path: String) -> stat? {
    var info = stat()
    return lstat(path, &info) == 0 ? info : nil
  }

  /// What is at `path` (a symbolic link is reported as one, not as its target).
  package static func kind(of path: String) -> Kind {
    guard let info = status(path) else { return .missing }
    return kind(info)
  }

  static func kind(_ info: stat) -> Kind {
    switch info.st_mode & S_IFMT {
    case S_IFREG: .file
    case S_IFDIR: .directory
    case S_IFLNK: .symbolicLink
    default: .other
    }
  }

  /// Refuses anything at `path` but a regular file (nothing there is fine).
  ///
  /// - Returns: the file's `lstat`, or nil when nothing is there.
  @discardableResult
  package static func requireRegularFile(_ path: String) throws(UnsafePathError) -> stat? {
    guard let info = status(path) else { return nil }
    switch kind(info) {
    case .file: return info
    case .symbolicLink: throw .symbolicLink(path)
    default: throw .notA("regular file", path)
    }
  }

  /// Refuses a regular file whose owner has no write permission: the user made it read-only, and
  /// multiagent does not make it writable behind their back.
  package static func refuseReadOnly(_ path: String, _ info: stat, what: String = "file")
    throws(UnsafePathError)
  {
    guard info.st_mode & S_IWUSR == 0 else { return }
    let mode = String(info.st_mode & 0o777, radix: 8)
    throw UnsafePathError(
      path: path, reason: .readOnly,
      message: "is read-only (mode 0\(mode)); multiagent does not make a \(what) writable behind your "
        + "back: make it writable (chmod u+w) or move it away")
  }

  /// Creates the folder `path` and any missing parents (each mode 0700), then sets `path` to 0700
  /// through a descriptor opened with `O_DIRECTORY | O_NOFOLLOW`.
  ///
  /// - Throws: ``UnsafePathError`` when `path` or an existing parent on the way is a symbolic link
  ///   or not a folder, or when a folder cannot be created.
  package static func makePrivateDirectory(_ path: String) throws(UnsafePathError) {
    try createMissingDirectories(path)
    try setDirectoryMode(path, 0o700)
  }

  /// Creates `path` and its missing parents, each 0700; existing folders are left as they are.
  package static func createMissingDirectories(_ path: String) throws(UnsafePathError) {
    switch kind(of: path) {
    case .directory: return
    case .symbolicLink: throw .symbolicLink(path)
    case .file, .other: throw .notA("folder", path)
    case .missing: break
    }
    let parent = parentFolder(path)
    if !parent.isEmpty, parent != path { try createMissingDirectories(parent) }
    // mkdir's mode is masked by the umask; 0700 is narrow enough that no umask widens it.
    if mkdir(path, 0o700) != 0, errno != EEXIST { throw .system(path, "cannot create the folder") }
    guard kind(of: path) == .directory else { throw .notA("folder", path) }
  }

  /// Sets the mode of the folder at `path` with `fchmod` on a descriptor opened `O_NOFOLLOW`.
  package static func setDirectoryMode(_ path: String, _ mode: mode_t) throws(UnsafePathError) {
    let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    guard descriptor >= 0 else {
      switch errno {
      case ELOOP: throw .symbolicLink(path)
      case ENOTDIR: throw .notA("folder", path)
      default: throw .system(path, "cannot open the folder")
      }
    }
    defer { close(descriptor) }
    var info = stat()
    guard fstat(descriptor, &info) == 0 else { throw .system(path, "cannot inspect the folder") }
    guard info.st_mode & 0o7777 != mode else { return }
    guard fchmod(descriptor, mode) == 0 else { throw .system(path, "cannot make the folder private") }
  }

  /// Opens `path` for appending (`O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW`, created 0600),
  /// refusing a symbolic link or anything but a regular file.
  ///
  /// - Returns: the descriptor (close-on-exec); the caller closes it.
  package static func openForAppending(_ path: String) throws(UnsafePathError) -> Int32 {
    try requireRegularFile(path)
    let descriptor = openFile(
      path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0o600)
    guard descriptor >= 0 else {
      if errno == ELOOP { throw .symbolicLink(path) }
      throw .system(path, "cannot open the file for writing")
    }
    var info = stat()
    guard fstat(descriptor, &info) == 0, kind(info) == .file else {
      close(descriptor)
      throw .notA("regular file", path)
    }
    _ = fcntl(descriptor, F_SETFL, O_WRONLY | O_APPEND)
    return descriptor
  }

  static func parentFolder(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "" }
    return slash == path.startIndex ? "/" : String(path[..<slash])
  }
}

/// `open(2)` with a mode (Swift imports the variadic C function under this fixed signature).
func openFile(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 {
  #if canImport(Glibc)
    Glibc.open(path, flags, mode)
  #else
    Darwin.open(path, flags, mode)
  #endif
}
