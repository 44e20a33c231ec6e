#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// An agent's secret token (`MULTIAGENT_TOKEN`): 256 random bits as 64 hex digits, made at spawn.
///
/// Where it lives: the database keeps only its SHA-256 (`agents.token_hash`); the clear token is in
/// `<home>/agents/<id>/token` (mode 0600, in the agent's 0700 state directory), which the
/// supervisor reads each time it starts the agent's CLI — also after `answer` or an account switch,
/// when no process still holds it — and puts in the CLI's environment only. It is never in argv,
/// logs, events, `--json` output, or a supervisor's environment.
enum AgentToken {
  /// A new token: 256 bits from the system's secure random source, as lowercase hex.
  static func generate() -> String {
    var generator = SystemRandomNumberGenerator()
    var bytes: [UInt8] = []
    for _ in 0..<4 {
      let word: UInt64 = generator.next()
      for shift in stride(from: 56, through: 0, by: -8) {
        bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
      }
    }
    return SHA256.hex(bytes)
  }

  /// The hash stored for `token`: its SHA-256 as lowercase hex.
  static func hash(_ token: String) -> String { SHA256.hexDigest(token) }

  /// Whether `token` hashes to `storedHash`; compares in constant time.
  static func matches(_ token: String, storedHash: String) -> Bool {
    let computed = Array(hash(token).utf8)
    let stored = Array(storedHash.lowercased().utf8)
    guard computed.count == stored.count else { return false }
    var difference: UInt8 = 0
    for (left, right) in zip(computed, stored) { difference |= left ^ right }
    return difference == 0
  }

  /// The clear token in `path`, or nil when there is none (an agent spawned before tokens existed).
  static func read(from path: String) -> String? {
    guard let data = FileSystem.contents(atPath: path) else { return nil }
    let token = String(decoding: data, as: UTF8.self).trimmedOfWhitespaceAndNewlines
    return token.isEmpty ? nil : token
  }
}
