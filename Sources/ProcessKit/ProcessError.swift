/// Why a process operation failed: one error type for launching, waiting and inspecting.
///
/// A child that exits non-zero or is killed by a signal is *not* an error; that is an
/// ``ExitStatus``. ``code`` is extensible (new codes may be added), so match the ones you handle
/// and keep a default.
public struct ProcessError: Error, Sendable, Hashable, CustomStringConvertible {
  /// What kind of failure this is.
  public struct Code: Sendable, Hashable, CustomStringConvertible {
    private enum Storage: String, Sendable, Hashable {
      case executableNotFound, invalidConfiguration, fileOpenFailed, workingDirectoryNotFound
      case spawnFailed, waitFailed, notAChild, inspectionFailed
    }

    private let storage: Storage

    /// The executable is neither an executable absolute path nor found on the `PATH` searched.
    public static let executableNotFound = Code(storage: .executableNotFound)
    /// The request cannot be spawned as given (empty argv, a NUL byte in a string, `=` in a name).
    public static let invalidConfiguration = Code(storage: .invalidConfiguration)
    /// The standard input or output file could not be opened.
    public static let fileOpenFailed = Code(storage: .fileOpenFailed)
    /// The working directory does not exist or is not a directory.
    public static let workingDirectoryNotFound = Code(storage: .workingDirectoryNotFound)
    /// `posix_spawn` failed (the executable could not be executed, or a file action failed).
    public static let spawnFailed = Code(storage: .spawnFailed)
    /// Waiting for a child failed for a reason other than it not being our child.
    public static let waitFailed = Code(storage: .waitFailed)
    /// The process is not a child of this process (or it was already reaped), so it cannot be
    /// waited for with `waitpid`; use ``ProcessInspector/waitUntilGone(_:timeout:)`` instead.
    public static let notAChild = Code(storage: .notAChild)
    /// The process table could not be read for a process that must exist.
    public static let inspectionFailed = Code(storage: .inspectionFailed)

    /// The code's name, e.g. `executableNotFound`.
    public var description: String { storage.rawValue }
  }

  /// What kind of failure this is.
  public var code: Code
  /// The `errno` value behind the failure, when there is one.
  public var underlyingErrno: Int32?
  /// A sentence for a human: names the binary, path or pid involved.
  public var message: String

  /// Creates an error.
  public init(code: Code, underlyingErrno: Int32? = nil, message: String) {
    self.code = code
    self.underlyingErrno = underlyingErrno
    self.message = message
  }

  /// The message, followed by the `errno` value when there is one.
  public var description: String {
    guard let underlyingErrno else { return message }
    return "\(message) (errno \(underlyingErrno))"
  }
}
