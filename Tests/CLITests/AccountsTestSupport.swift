import Foundation
import TestSupport

/// What a run with standard input produced.
struct InputRunResult {
  var exitCode: Int32
  var stdout: String
  var stderr: String

  /// Standard output parsed as a JSON object.
  func jsonObject() throws -> [String: Any] {
    guard let object = try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any] else {
      throw CLIRunner.Failure(description: "stdout is not a JSON object: \(stdout)")
    }
    return object
  }
}

extension CLISandbox {
  /// Runs `multiagent --home <home> arguments…` with `input` on standard input.
  func run(_ arguments: [String], input: String, extraEnvironment: [String: String] = [:]) throws
    -> InputRunResult
  {
    let process = Process()
    process.executableURL = try CLIRunner.executable()
    process.arguments = ["--home", home] + arguments
    process.environment = environment.merging(extraEnvironment) { $1 }
    let scratch = try TemporaryDirectory(prefix: "cli-accounts")
    let inputPath = scratch.path("stdin")
    let outputPath = scratch.path("stdout")
    let errorPath = scratch.path("stderr")
    try input.write(toFile: inputPath, atomically: true, encoding: .utf8)
    _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
    _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
    let stdin = try FileHandle(forReadingFrom: URL(fileURLWithPath: inputPath))
    let stdout = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
    let stderr = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
    defer {
      try? stdin.close()
      try? stdout.close()
      try? stderr.close()
    }
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    process.waitUntilExit()
    return InputRunResult(
      exitCode: process.terminationStatus,
      stdout: try String(contentsOfFile: outputPath, encoding: .utf8),
      stderr: try String(contentsOfFile: errorPath, encoding: .utf8))
  }

  /// Adds an account and returns its id (from `--json`); fails when the command fails.
  @discardableResult
  func addAccount(_ arguments: [String], input: String = "", extraEnvironment: [String: String] = [:]) throws
    -> String
  {
    let result = try run(
      ["accounts", "add", "--json"] + arguments, input: input, extraEnvironment: extraEnvironment)
    guard result.exitCode == 0, let id = try result.jsonObject()["id"] as? String else {
      throw CLIRunner.Failure(
        description:
          "accounts add \(arguments) failed (\(result.exitCode)): \(result.stderr) \(result.stdout)")
    }
    return id
  }

  /// The mode bits of a file or folder.
  func mode(_ path: String) throws -> Int {
    guard let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int else {
      throw CLIRunner.Failure(description: "no mode for \(path)")
    }
    return mode
  }
}
