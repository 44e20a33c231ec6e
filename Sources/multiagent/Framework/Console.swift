import Foundation
import JSONKit

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Writes to standard output and standard error, unbuffered, and renders JSON output.
struct Console: Sendable {
  /// Writes `text` to standard output (erasing a ``ProgressLine`` first).
  func write(_ text: String) {
    ProgressLine.isShown.withLock { shown in
      ProgressLine.eraseLocked(&shown)
      Self.write(text, to: STDOUT_FILENO)
    }
  }

  /// Writes `text` to standard error (erasing a ``ProgressLine`` first).
  func writeError(_ text: String) {
    ProgressLine.isShown.withLock { shown in
      ProgressLine.eraseLocked(&shown)
      Self.write(text, to: STDERR_FILENO)
    }
  }

  /// Writes `text` to `descriptor` as it is.
  static func writeRaw(_ text: String, to descriptor: Int32) {
    write(text, to: descriptor)
  }

  /// Writes `value` as pretty-printed JSON, with sorted keys, on standard output.
  func writeJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = JSONTime.dateEncodingStrategy
    let data = try encoder.encode(value)
    write(String(decoding: data, as: UTF8.self) + "\n")
  }

  /// Reports `error` on stderr (`error: …` and its hint) and, in JSON mode, as a JSON object on stdout.
  func report(_ error: CLIError, json: Bool) {
    var text = "error: \(error.message)\n"
    if let hint = error.hint { text += hint + "\n" }
    writeError(text)
    if json { try? writeJSON(ErrorEnvelope(error: error)) }
  }

  private static func write(_ text: String, to descriptor: Int32) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
      let written = bytes.withUnsafeBytes { buffer in
        #if canImport(Glibc)
          Glibc.write(descriptor, buffer.baseAddress, buffer.count)
        #else
          Darwin.write(descriptor, buffer.baseAddress, buffer.count)
        #endif
      }
      if written < 0, errno == EINTR { continue }
      if written <= 0 { return }
      bytes = bytes.dropFirst(written)
    }
  }
}

/// `{"error":{"code":"…","message":"…","hint":"…","exit_code":2}}`.
private struct ErrorEnvelope: Encodable {
  struct Body: Encodable {
    var code: String
    var message: String
    var hint: String?
    var exitCode: Int32

    enum CodingKeys: String, CodingKey {
      case code, message, hint
      case exitCode = "exit_code"
    }
  }

  var error: Body

  init(error: CLIError) {
    self.error = Body(
      code: error.code, message: error.message, hint: error.hint, exitCode: error.exitCode.rawValue)
  }
}
