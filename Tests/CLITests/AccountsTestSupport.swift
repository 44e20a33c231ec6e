import Foundation
import TestSupport

extension CLISandbox {
  /// Runs `multiagent --home <home> arguments…` with `input` on standard input.
  func run(_ arguments: [String], input: String, extraEnvironment: [String: String] = [:]) throws
    -> CLIRunner.Result
  {
    try CLIRunner.run(
      ["--home", home] + arguments, environment: environment.merging(extraEnvironment) { $1 },
      standardInput: input)
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
