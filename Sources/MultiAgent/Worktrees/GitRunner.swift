import Foundation
import ProviderKit

/// Runs `git` with an argv array (never a shell) and captures its output.
struct GitRunner: Sendable {
  /// The git executable.
  var git: String = "/usr/bin/env"
  /// Arguments placed before the git arguments (`["git"]` when `git` is `/usr/bin/env`).
  var prefix: [String] = ["git"]

  struct Output {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  func run(_ arguments: [String], in directory: String? = nil) throws -> Output {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: git)
    process.arguments = prefix + arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    var environment = ProcessEnvironment.current
    // Never prompt, never page, never read the user's terminal.
    environment["GIT_TERMINAL_PROMPT"] = "0"
    environment["GIT_PAGER"] = "cat"
    process.environment = environment
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
      errData = err.fileHandleForReading.readDataToEndOfFile()
      group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return Output(
      status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
      stderr: String(decoding: errData, as: UTF8.self))
  }
}
