import Foundation

/// Real git repositories for tests.
public enum GitRepository {
  /// Creates a repository at `path` on branch `main` with one (empty) commit and a local identity,
  /// so commits work whatever the machine's git configuration.
  public static func create(at path: String) throws {
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    for arguments in [
      ["init", "-q", "-b", "main"], ["config", "user.email", "t@example.com"], ["config", "user.name", "T"],
      ["commit", "-q", "--allow-empty", "-m", "init"],
    ] {
      try git(arguments, in: path)
    }
  }

  /// Runs `git arguments…` in `directory` and returns its standard output; throws when git fails.
  @discardableResult
  public static func git(_ arguments: [String], in directory: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["git"] + arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw FakeServerError(message: "git \(arguments.joined(separator: " ")) failed in \(directory)")
    }
    return String(decoding: data, as: UTF8.self)
  }
}
