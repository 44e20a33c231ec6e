import Foundation
import TestSupport

/// A temporary world for one CLI test: a state home, a folder of fake provider CLIs first on
/// `PATH`, and a user home, so nothing from the machine running the tests leaks in.
struct CLISandbox {
  let root: TemporaryDirectory
  /// The sandbox's store (see ``SandboxStore``): the home's file unless a PostgreSQL run asks.
  let store: SandboxStore

  init() throws {
    root = try TemporaryDirectory(prefix: "cli")
    store = try SandboxStore()
    try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: userHome, withIntermediateDirectories: true)
  }

  /// The state home passed with `--home` (not created: commands decide).
  var home: String { root.path("home") }
  /// The folder of fake CLIs, first on `PATH`.
  var bin: String { root.path("bin") }
  /// `$HOME` of the CLI.
  var userHome: String { root.path("user") }

  /// The complete environment of the CLI.
  var environment: [String: String] {
    var environment = ["PATH": "\(bin):/usr/bin:/bin", "HOME": userHome, "LANG": "C.UTF-8"]
    if let url = store.url { environment["MULTIAGENT_STORE"] = url }
    return environment
  }

  /// Runs `multiagent --home <home> arguments…`.
  func run(_ arguments: [String], extraEnvironment: [String: String] = [:]) throws -> CLIRunner.Result {
    try CLIRunner.run(
      ["--home", home] + arguments, environment: environment.merging(extraEnvironment) { $1 })
  }

  /// Runs `multiagent arguments…` without `--home`.
  func runWithoutHome(_ arguments: [String], extraEnvironment: [String: String] = [:]) throws
    -> CLIRunner.Result
  {
    try CLIRunner.run(arguments, environment: environment.merging(extraEnvironment) { $1 })
  }

  /// Writes an executable `/bin/sh` script called `name` into the fake-CLI folder.
  @discardableResult
  func installFakeCLI(_ name: String, script: String) throws -> String {
    let path = "\(bin)/\(name)"
    try ("#!/bin/sh\n" + script + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    return path
  }

  /// Writes `<home>/providers.json`.
  @discardableResult
  func writeUserCatalog(_ json: String) throws -> String {
    try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
    let path = "\(home)/providers.json"
    try json.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }
}

/// Every provider in the built-in catalog.
let builtinProviderNames = [
  "claude", "codex", "gemini", "cursor", "auggie", "amp", "opencode", "qwen", "copilot", "droid", "kimi",
  "vibe", "openhands",
]

extension CLIRunner.Result {
  /// Standard output parsed as a JSON array of objects.
  func jsonArray() throws -> [[String: Any]] {
    guard let array = try json() as? [[String: Any]] else {
      throw CLIRunner.Failure(description: "stdout is not a JSON array of objects: \(stdout)")
    }
    return array
  }

  /// Standard output parsed as a JSON object.
  func jsonObject() throws -> [String: Any] {
    guard let object = try json() as? [String: Any] else {
      throw CLIRunner.Failure(description: "stdout is not a JSON object: \(stdout)")
    }
    return object
  }
}
