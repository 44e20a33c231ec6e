import Foundation
import ProviderKit
import Providers

/// What every fuzz target shares: turning libFuzzer's buffer into bytes, text or lines, and a fixed
/// clock so that a crash reproduces whatever day it is re-run.
public enum FuzzInput {
  /// The instant every target treats as "now" (2026-11-21 19:51:17 UTC, when the fixtures were
  /// recorded), so that relative reset times resolve the same way on every run.
  public static let now = Date(timeIntervalSince1970: 1_795_290_677)

  /// A context with the fixed clock, `zone` and `rules`.
  public static func context(
    zone: TimeZone = TimeZone(identifier: "UTC")!, rules: [ExhaustionRule] = []
  ) -> ParserContext {
    ParserContext(now: { now }, timeZone: zone, exhaustionRules: rules)
  }

  /// libFuzzer's buffer as an array (empty for a zero-length input, whose pointer may be dangling).
  public static func bytes(_ data: UnsafePointer<UInt8>, _ size: Int) -> [UInt8] {
    size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
  }

  /// The input as text, invalid UTF-8 repaired the way the product repairs it.
  public static func text(_ data: UnsafePointer<UInt8>, _ size: Int) -> String {
    String(decoding: bytes(data, size), as: UTF8.self)
  }

  /// The input split into lines the way an agent's log is split: by ``LineSplitter``, in two chunks
  /// (so a line can straddle a read), with the unterminated tail last.
  public static func lines(_ bytes: [UInt8]) -> [LineSplitter.Line] {
    var splitter = LineSplitter(maximumLineLength: 1 << 16)
    let middle = bytes.count / 2
    var lines = splitter.feed(Array(bytes[..<middle]))
    lines += splitter.feed(Array(bytes[middle...]))
    if let last = splitter.finish() { lines.append(last) }
    return lines
  }

  /// Every built-in provider definition (decoded once).
  public static let builtinDefinitions: [ProviderDefinition] = {
    do { return try BuiltinProviders.definitions() } catch {
      fatalError("the built-in catalog does not decode: \(error)")
    }
  }()

  /// Every exhaustion rule of every built-in provider, each once.
  public static let allBuiltinRules: [ExhaustionRule] = {
    var seen: Set<ExhaustionRule> = []
    return builtinDefinitions.flatMap(\.exhaustion).filter { seen.insert($0).inserted }
  }()
}
