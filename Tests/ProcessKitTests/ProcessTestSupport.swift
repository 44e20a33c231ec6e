import Foundation
import ProcessKit

/// Helpers shared by the Process* tests: a scratch directory, a minimal environment, bounded waits.
enum ProcessTesting {
  /// A minimal, explicit environment for children.
  static let environment = ["PATH": "/usr/bin:/bin"]

  /// A new empty directory under the system temporary directory.
  static func makeDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "multiagent-process-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  /// Removes a directory made by ``makeDirectory()``.
  static func remove(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

  /// The file's content as text ("" when missing).
  static func read(_ path: String) -> String {
    (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
  }

  /// Runs a child to completion with its output in `directory/output.log`.
  static func run(
    _ executable: String, _ arguments: [String], environment: [String: String] = environment,
    standardInput: ProcessLaunchConfiguration.Input = .null, workingDirectory: String? = nil,
    in directory: String
  ) throws -> (identity: ProcessIdentity, status: ExitStatus, output: String) {
    let log = directory + "/output-\(UUID().uuidString.prefix(8)).log"
    let launcher = ProcessLauncher()
    let identity = try launcher.launch(
      ProcessLaunchConfiguration(
        executable: executable, arguments: arguments, environment: environment,
        workingDirectory: workingDirectory,
        standardInput: standardInput, output: .appendingToFile(log)))
    let status = try launcher.waitForExit(identity.pid)
    return (identity, status, read(log))
  }

  /// Checks `condition` until it holds, for at most `timeout`: a bound, not a speed assertion.
  static func eventually(timeout: Duration = .seconds(20), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline {
      if condition() { return true }
      try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
  }
}
