import Foundation
import JSONKit
import ProviderKit

/// The project's fake model server (`scripts/fake_model_server.py`), started on 127.0.0.1 port 0
/// and always stopped: explicitly, on deinit, or — if the test process dies — when the pipe to its
/// stdin closes.
public final class FakeModelServer: @unchecked Sendable {
  /// The port it listens on.
  public let port: Int
  /// Where it logs every model request (one JSON object per line).
  public let logPath: String
  private let process: Process
  private let stdin: Pipe
  private let lock = NSLock()
  private var stopped = false

  /// `http://<host>:<port>`.
  public var baseURL: String { "http://\(host):\(port)" }
  /// The address it listens on.
  public let host: String

  /// Starts a server answering as `script` says (see scripts/README.md for the format).
  ///
  /// - Parameters:
  ///   - script: the script JSON text, e.g. `{"keys": {"key-a": [{"text": "hi"}]}}`.
  ///   - directory: where to keep the script and the request log.
  ///   - host: the address to listen on (another than loopback for CLIs in the lab's hosts).
  public init(script: String, directory: URL, host: String = "127.0.0.1") throws {
    self.host = host
    let scriptPath = directory.appending(path: "server-script-\(UUID().uuidString.prefix(6)).json").path
    try Data(script.utf8).write(to: URL(fileURLWithPath: scriptPath))
    logPath = directory.appending(path: "server-requests-\(UUID().uuidString.prefix(6)).jsonl").path
    process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [
      "python3", RepositoryPaths.scripts.appending(path: "fake_model_server.py").path,
      "--script", scriptPath, "--log", logPath, "--port", "0", "--host", host, "--exit-on-stdin-eof",
    ]
    stdin = Pipe()
    let stdout = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = FileHandle.standardError
    try process.run()
    // Read the one "LISTENING <port>" line.
    var buffer = Data()
    while !buffer.contains(UInt8(ascii: "\n")) {
      let chunk = stdout.fileHandleForReading.availableData
      if chunk.isEmpty { break }
      buffer.append(chunk)
    }
    let line = String(decoding: buffer, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    guard line.hasPrefix("LISTENING "), let port = Int(line.dropFirst("LISTENING ".count)) else {
      process.terminate()
      throw FakeServerError(message: "fake model server did not start: \(line)")
    }
    self.port = port
  }

  /// Every model request received so far, in order, as logged (`seq`, `api`, `path`, `key`, `body`, …).
  public func requests() throws -> [JSONValue] {
    guard let data = FileManager.default.contents(atPath: logPath) else { return [] }
    return try data.split(separator: UInt8(ascii: "\n")).map { try JSONParser.parse(Array($0)) }
  }

  /// Stops the server and waits for it to exit.
  public func stop() {
    lock.lock()
    defer { lock.unlock() }
    guard !stopped else { return }
    stopped = true
    try? stdin.fileHandleForWriting.close()
    if process.isRunning { process.terminate() }
    process.waitUntilExit()
  }

  deinit { stop() }
}

/// The fake server failed to start.
public struct FakeServerError: Error, CustomStringConvertible {
  /// What went wrong.
  public var message: String
  /// The message.
  public var description: String { message }
}
