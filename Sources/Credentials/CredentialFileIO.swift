import Foundation
import StateStore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// POSIX file helpers for credential files and session transcripts: private modes (files 0600,
/// folders 0700), atomic replacement (temp file in the same folder, fsync, rename), byte-exact copies.
enum CredentialFileIO {
  /// What `lstat` says about a path.
  struct Status {
    /// Regular file, folder, or something else (symlink, socket, …).
    enum Kind { case file, directory, other }
    /// The kind.
    var kind: Kind
    /// Size in bytes.
    var size: Int64
    /// Modification time.
    var modified: timespec

    /// Seconds since the epoch, with nanoseconds.
    var modifiedSeconds: Double { Double(modified.tv_sec) + Double(modified.tv_nsec) / 1e9 }
  }

  static func errorText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

  /// `lstat(path)` (symlinks are not followed), or nil when nothing is there.
  static func status(_ path: String) -> Status? {
    var info = stat()
    guard lstat(path, &info) == 0 else { return nil }
    let type = info.st_mode & S_IFMT
    let kind: Status.Kind = type == S_IFREG ? .file : type == S_IFDIR ? .directory : .other
    #if canImport(Darwin)
      let modified = info.st_mtimespec
    #else
      let modified = info.st_mtim
    #endif
    return Status(kind: kind, size: Int64(info.st_size), modified: modified)
  }

  /// The names in a folder (without `.` and `..`), sorted; empty when it cannot be read.
  static func entries(of directory: String) -> [String] {
    guard let stream = opendir(directory) else { return [] }
    defer { closedir(stream) }
    var names: [String] = []
    while let entry = readdir(stream) {
      let name = withUnsafePointer(to: entry.pointee.d_name) {
        $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
  }

  /// Removes the regular file at `path`, if there is one (best effort).
  static func removeFile(_ path: String) {
    if status(path)?.kind == .file { unlink(path) }
  }

  /// The whole file, or nil when it does not exist.
  static func read(_ path: String) throws(CredentialError) -> [UInt8]? {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else {
      if errno == ENOENT { return nil }
      throw CredentialError(.io, "cannot read \(path): \(errorText())")
    }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
      let count = buffer.withUnsafeMutableBytes { posixRead(descriptor, $0.baseAddress, $0.count) }
      if count < 0 {
        if errno == EINTR { continue }
        throw CredentialError(.io, "cannot read \(path): \(errorText())")
      }
      if count == 0 { return bytes }
      bytes.append(contentsOf: buffer[0..<count])
    }
  }

  /// Creates `path` and any missing parents, each new folder mode 0700 (existing ones keep theirs).
  /// A symbolic link or a file on the way is refused, never followed.
  static func makeDirectories(_ path: String) throws(CredentialError) {
    do throws(UnsafePathError) {
      guard PrivatePath.kind(of: path) != .directory else { return }
      try PrivatePath.createMissingDirectories(path)
      try PrivatePath.setDirectoryMode(path, 0o700)
    } catch {
      throw CredentialError(.io, "cannot create folder \(error.description)")
    }
  }

  /// Replaces `path` atomically with `bytes` (mode 0600): a reader sees the old or the new file,
  /// never a partial one.
  static func writeAtomically(_ bytes: [UInt8], to path: String) throws(CredentialError) {
    try replace(path) { (descriptor: Int32) throws(CredentialError) in
      try writeAll(bytes, to: descriptor, path: path)
    }
  }

  /// Copies `source` byte for byte to `destination` atomically (mode 0600), and gives the copy the
  /// source's modification time, so that "which copy is newer" stays meaningful across moves.
  static func copyAtomically(from source: String, to destination: String) throws(CredentialError) {
    let input = open(source, O_RDONLY | O_CLOEXEC)
    guard input >= 0 else { throw CredentialError(.io, "cannot read \(source): \(errorText())") }
    defer { close(input) }
    var info = stat()
    guard fstat(input, &info) == 0 else {
      throw CredentialError(.io, "cannot read \(source): \(errorText())")
    }
    try replace(destination) { (output: Int32) throws(CredentialError) in
      var buffer = [UInt8](repeating: 0, count: 256 * 1024)
      while true {
        let count = buffer.withUnsafeMutableBytes { posixRead(input, $0.baseAddress, $0.count) }
        if count < 0 {
          if errno == EINTR { continue }
          throw CredentialError(.io, "cannot read \(source): \(errorText())")
        }
        if count == 0 { break }
        try writeAll(buffer[0..<count], to: output, path: destination)
      }
      #if canImport(Darwin)
        let times = [info.st_atimespec, info.st_mtimespec]
      #else
        let times = [info.st_atim, info.st_mtim]
      #endif
      _ = times.withUnsafeBufferPointer { futimens(output, $0.baseAddress) }
    }
  }

  /// Writes a temp file next to `path` with `fill`, fsyncs it and renames it over `path`.
  private static func replace(
    _ path: String, _ fill: (Int32) throws(CredentialError) -> Void
  ) throws(CredentialError) {
    let folder = (path as NSString).deletingLastPathComponent
    let name = (path as NSString).lastPathComponent
    let temporary =
      (folder.isEmpty ? "" : folder + "/")
      + ".\(name).multiagent-tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else { throw CredentialError(.io, "cannot write \(path): \(errorText())") }
    do throws(CredentialError) {
      try fill(descriptor)
      fchmod(descriptor, 0o600)
      guard fsync(descriptor) == 0 else { throw CredentialError(.io, "cannot write \(path): \(errorText())") }
      close(descriptor)
    } catch {
      close(descriptor)
      unlink(temporary)
      throw error
    }
    guard rename(temporary, path) == 0 else {
      let failure = errno
      unlink(temporary)
      throw CredentialError(.io, "cannot write \(path): \(errorText(failure))")
    }
  }

  private static func writeAll(
    _ bytes: some Collection<UInt8>, to descriptor: Int32, path: String
  ) throws(CredentialError) {
    let contiguous = Array(bytes)
    var offset = 0
    while offset < contiguous.count {
      let written = contiguous.withUnsafeBytes {
        posixWrite(descriptor, $0.baseAddress! + offset, $0.count - offset)
      }
      if written < 0 {
        if errno == EINTR { continue }
        throw CredentialError(.io, "cannot write \(path): \(errorText())")
      }
      offset += written
    }
  }
}

/// `read(2)` under a name that does not clash with methods called `read`.
@inline(__always)
private func posixRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
  read(descriptor, buffer, count)
}

/// `write(2)` under a name that does not clash with methods called `write`.
@inline(__always)
private func posixWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
  write(descriptor, buffer, count)
}
