import Foundation

/// Runs the built `multiagent` executable as a subprocess, the way a user or a script would.
public enum CLIRunner {
  /// What one run of the CLI produced.
  public struct Result: Sendable {
    /// The exit status (128 + signal when killed by one).
    public var exitCode: Int32
    /// Everything written to standard output.
    public var stdout: String
    /// Everything written to standard error.
    public var stderr: String

    /// Standard output parsed as JSON (`[String: Any]`, `[Any]`, …).
    public func json() throws -> Any {
      try JSONSerialization.jsonObject(with: Data(stdout.utf8))
    }
  }

  /// Why the executable could not be found or run.
  public struct Failure: Error, CustomStringConvertible {
    /// What went wrong.
    public var description: String

    /// Creates a failure.
    public init(description: String) {
      self.description = description
    }
  }

  /// The built `multiagent` executable: `$MULTIAGENT_CLI` if set, else the one in the build
  /// products folder that holds the running test bundle.
  public static func executable() throws -> URL {
    let environment = ProcessInfo.processInfo.environment
    if let explicit = environment["MULTIAGENT_CLI"], !explicit.isEmpty {
      return URL(fileURLWithPath: explicit)
    }
    var folders: [URL] = []
    // Linux: the tests run inside `<products>/multiagentPackageTests.xctest`, an executable.
    if let executable = Bundle.main.executableURL { folders.append(executable.deletingLastPathComponent()) }
    // macOS: the tests are a bundle `<products>/multiagentPackageTests.xctest` loaded by xctest.
    for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
      folders.append(bundle.bundleURL.deletingLastPathComponent())
    }
    folders.append(RepositoryPaths.root.appending(path: ".build/debug"))
    for folder in folders {
      let candidate = folder.appending(path: "multiagent")
      if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    throw Failure(
      description: "multiagent executable not found in \(folders.map(\.path)); run `swift build` first")
  }

  /// Runs `multiagent arguments…` with exactly `environment` (nothing inherited) and waits for it.
  ///
  /// - Parameters:
  ///   - arguments: the command line after the program name.
  ///   - environment: the complete environment of the CLI.
  ///   - directory: the working directory (default: the test process's).
  ///   - timeout: how long to wait before killing it and failing.
  public static func run(
    _ arguments: [String], environment: [String: String], directory: URL? = nil, timeout: TimeInterval = 60,
    standardInput: String? = nil
  ) throws -> Result {
    let process = Process()
    process.executableURL = try executable()
    process.arguments = arguments
    process.environment = environment
    if let directory { process.currentDirectoryURL = directory }
    // Files, not pipes: a child the CLI leaves behind can never block the test on a full pipe.
    let scratch = try TemporaryDirectory(prefix: "cli-run")
    if let standardInput {
      let inputURL = scratch.url.appending(path: "stdin")
      try Data(standardInput.utf8).write(to: inputURL)
      process.standardInput = try FileHandle(forReadingFrom: inputURL)
    } else {
      process.standardInput = FileHandle.nullDevice
    }
    let stdoutURL = scratch.url.appending(path: "stdout")
    let stderrURL = scratch.url.appending(path: "stderr")
    _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
    let stdout = try FileHandle(forWritingTo: stdoutURL)
    let stderr = try FileHandle(forWritingTo: stderrURL)
    defer {
      try? stdout.close()
      try? stderr.close()
    }
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning, Date() < deadline { usleep(5_000) }
    if process.isRunning {
      process.terminate()
      process.waitUntilExit()
      throw Failure(description: "multiagent \(arguments.joined(separator: " ")) ran longer than \(timeout)s")
    }
    process.waitUntilExit()
    let code =
      process.terminationReason == .uncaughtSignal
      ? 128 + process.terminationStatus : process.terminationStatus
    return Result(
      exitCode: code,
      stdout: String(decoding: try Data(contentsOf: stdoutURL), as: UTF8.self),
      stderr: String(decoding: try Data(contentsOf: stderrURL), as: UTF8.self))
  }
}
