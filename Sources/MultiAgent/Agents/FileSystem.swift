import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Small file helpers that keep state private: directories 0700, files 0600.
enum FileSystem {
  /// Creates `path` (and parents) with mode 0700.
  static func makePrivateDirectory(_ path: String) throws {
    try FileManager.default.createDirectory(
      atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    chmod(path, 0o700)
  }

  /// Writes `data` atomically to `path` with mode 0600.
  static func writeSecure(_ data: Data, to path: String) throws {
    let temporary = path + ".tmp-\(getpid())"
    guard
      FileManager.default.createFile(
        atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600])
    else {
      throw AgentError(.invalidPath, "cannot write \(path)")
    }
    guard rename(temporary, path) == 0 else {
      unlink(temporary)
      throw AgentError(.invalidPath, "cannot write \(path): \(String(cString: strerror(errno)))")
    }
  }

  /// Whether something exists at `path`.
  static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

  /// The current directory.
  static var currentDirectory: String { FileManager.default.currentDirectoryPath }

  /// `path` made absolute against the current directory and standardized.
  static func absolute(_ path: String) -> String {
    let absolute = path.hasPrefix("/") ? path : currentDirectory + "/" + path
    return URL(fileURLWithPath: absolute).standardizedFileURL.path
  }
}
