import Foundation
import ProviderKit

/// Runs a ``CommandSpec`` to completion for tests: argv exactly as built, never a shell.
public enum CommandRunner {
  /// What a finished command produced.
  public struct Output: Sendable {
    /// The exit status (or 128 + signal).
    public var exitCode: Int32
    /// Everything written to stdout.
    public var stdout: [UInt8]
    /// Everything written to stderr.
    public var stderr: String
  }

  /// Runs `command` with `PATH` extended by `pathPrefix` and the given extra environment.
  ///
  /// - Parameters:
  ///   - command: the command; `executable` is resolved on the resulting `PATH` unless absolute.
  ///   - environment: the base environment (defaults to a minimal one: HOME, PATH, TZ).
  ///   - pathPrefix: directories put in front of `PATH`.
  public static func run(
    _ command: CommandSpec, environment base: [String: String]? = nil, pathPrefix: [String] = []
  ) throws -> Output {
    let inherited = ProcessInfo.processInfo.environment
    var environment =
      base ?? ["HOME": inherited["HOME"] ?? "/root", "PATH": inherited["PATH"] ?? "/usr/bin:/bin", "TZ": "UTC"]
    if !pathPrefix.isEmpty {
      environment["PATH"] = (pathPrefix + [environment["PATH"] ?? "/usr/bin:/bin"]).joined(separator: ":")
    }
    environment = command.resolvedEnvironment(inheriting: environment)
    let process = Process()
    process.executableURL = try resolve(command.executable, path: environment["PATH"] ?? "")
    process.arguments = command.arguments
    process.environment = environment
    if let directory = command.workingDirectory {
      process.currentDirectoryURL = URL(fileURLWithPath: directory)
    }
    let stdout = Pipe()
    let stderr = Pipe()
    process.standardOutput = stdout
    process.standardError = stderr
    let stdinPipe = Pipe()
    switch command.standardInput {
    case .null: process.standardInput = FileHandle.nullDevice
    case .text: process.standardInput = stdinPipe
    }
    try process.run()
    if case .text(let text) = command.standardInput {
      try stdinPipe.fileHandleForWriting.write(contentsOf: Data(text.utf8))
      try stdinPipe.fileHandleForWriting.close()
    }
    // Drain both pipes concurrently so a chatty child never blocks on a full pipe.
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
      errData = stderr.fileHandleForReading.readDataToEndOfFile()
      group.leave()
    }
    let outData = stdout.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    let code =
      process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    return Output(exitCode: code, stdout: Array(outData), stderr: String(decoding: errData, as: UTF8.self))
  }

  static func resolve(_ executable: String, path: String) throws -> URL {
    if executable.hasPrefix("/") { return URL(fileURLWithPath: executable) }
    for directory in path.split(separator: ":") {
      let candidate = "\(directory)/\(executable)"
      if FileManager.default.isExecutableFile(atPath: candidate) { return URL(fileURLWithPath: candidate) }
    }
    throw FakeServerError(message: "\(executable) not found on PATH \(path)")
  }
}
