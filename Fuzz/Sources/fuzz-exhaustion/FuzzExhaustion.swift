import Foundation
import FuzzSupport
import ProviderKit
@testable import Providers

/// The input's first line is a rule's pattern (as a user could write in providers.json), the rest
/// a text a CLI printed. Short, so that a pathological pattern cannot make ICU backtrack for long.
func split(_ bytes: [UInt8]) -> (pattern: String, text: String) {
  let newline = bytes.firstIndex(of: 0x0A) ?? bytes.endIndex
  let pattern = String(decoding: bytes[..<newline].prefix(40), as: UTF8.self)
  let text = String(decoding: bytes[min(newline + 1, bytes.endIndex)...].prefix(160), as: UTF8.self)
  return (pattern, text)
}

/// Checks one text against the built-in rules (every format), then the input's own pattern: its
/// literal pre-filter may only ever err towards running the regex, so the compiled rule must match
/// exactly when the regex does.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let (pattern, text) = split(FuzzInput.bytes(data, size))
  var monitor = ExhaustionMonitor(context: FuzzInput.context(rules: FuzzInput.allBuiltinRules))
  _ = monitor.check(text)
  _ = monitor.structured(message: text, resetAt: nil)
  _ = monitor.check(pattern + " " + text)

  _ = RequiredLiterals.requiredLiteral(in: pattern)
  guard let regex = try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive]) else {
    return 0
  }
  let matches = regex.firstMatch(in: text, range: NSRange(location: 0, length: text.utf16.count)) != nil
  let rules = CompiledExhaustionRules.compiled([ExhaustionRule(pattern: pattern)])
  let found = rules.firstMatchIndex(in: text) != nil
  if matches != found && !text.isEmpty {
    fatalError(
      "pattern \(pattern.debugDescription) on \(text.debugDescription): regex \(matches), rule \(found)")
  }
  return 0
}
