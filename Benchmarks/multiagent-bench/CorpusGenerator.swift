import Foundation

/// Builds a realistic corpus: the lines recorded from the real CLI (Tests/ProvidersTests/Fixtures),
/// interleaved with synthetic lines of the same shapes carrying prose of varied length, escapes and
/// non-ASCII text, until the file reaches the requested size.
struct CorpusGenerator {
  var fixtures: String
  var dialect: String

  func write(to path: String, megabytes: Int) throws {
    let target = megabytes * 1_000_000
    // The corpus is deterministic: reuse one of the right size from an earlier run.
    if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int,
      size >= target, size < target + 100_000
    {
      return
    }
    var recorded: [String] = []
    if let names = try? FileManager.default.contentsOfDirectory(atPath: fixtures) {
      for name in names.sorted() where name.hasSuffix(".jsonl") {
        let text = (try? String(contentsOfFile: "\(fixtures)/\(name)", encoding: .utf8)) ?? ""
        recorded += text.split(separator: "\n").map(String.init)
      }
    }
    var generator = SeededGenerator(seed: 42)
    var output = Data()
    output.reserveCapacity(target + 100_000)
    var index = 0
    while output.count < target {
      if !recorded.isEmpty && index % 8 == 0 {
        output.append(contentsOf: recorded[(index / 8) % recorded.count].utf8)
      } else {
        output.append(contentsOf: synthetic(index, &generator).utf8)
      }
      output.append(UInt8(ascii: "\n"))
      index += 1
    }
    try output.write(to: URL(fileURLWithPath: path))
  }

  private static let words = [
    "the", "test", "fails", "because", "flaky", "timeout", "in", "CI", "I'll", "check", "file",
    "Sources/App/main.swift",
    "function", "returns", "nil", "when", "the", "cache", "is", "cold", "—", "naïve", "résumé", "✓", "🚀",
    "\"quoted\"",
    "path\\to", "tab\there",
  ]

  private func prose(_ count: Int, _ generator: inout SeededGenerator) -> String {
    var words: [String] = []
    words.reserveCapacity(count)
    for i in 0..<count {
      words.append(Self.words[Int(generator.next() % UInt64(Self.words.count))])
      if i % 17 == 16 { words.append("\n") }
    }
    return words.joined(separator: " ")
  }

  private func escaped(_ text: String) -> String {
    var result = ""
    result.reserveCapacity(text.utf8.count + 16)
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": result += "\\\""
      case "\\": result += "\\\\"
      case "\n": result += "\\n"
      case "\t": result += "\\t"
      default: result.unicodeScalars.append(scalar)
      }
    }
    return result
  }

  private func synthetic(_ index: Int, _ generator: inout SeededGenerator) -> String {
    let length = 8 + Int(generator.next() % 600)
    let plain = prose(length, &generator)
    let text = escaped(plain)
    // Shorter fields are cut before escaping, so that every line stays valid JSON.
    let short = escaped(String(plain.prefix(80)))
    let medium = escaped(String(plain.prefix(200)))
    let session = "f33b544c-686b-4629-b82e-ed9a4fb11267"
    if dialect == "claude" {
      switch index % 3 {
      case 0:
        return
          #"{"type":"assistant","message":{"id":"msg_01\#(index)","type":"message","role":"assistant","model":"claude-opus-5-5","content":[{"type":"text","text":"\#(text)"}],"stop_reason":null,"usage":{"input_tokens":\#(index % 900),"cache_creation_input_tokens":0,"cache_read_input_tokens":1200,"output_tokens":42}},"parent_tool_use_id":null,"session_id":"\#(session)","uuid":"8919f785-ed91-450e-b510-\#(index)"}"#
      case 1:
        return
          #"{"type":"assistant","message":{"id":"msg_01\#(index)","type":"message","role":"assistant","model":"claude-opus-5-5","content":[{"type":"tool_use","id":"toolu_01\#(index)","name":"Bash","input":{"command":"grep -rn \"\#(index)\" Sources | head","description":"\#(short)"}}],"stop_reason":null,"usage":{"input_tokens":3,"output_tokens":77}},"parent_tool_use_id":null,"session_id":"\#(session)","uuid":"u-\#(index)"}"#
      default:
        return
          #"{"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_01\#(index)","type":"tool_result","content":"\#(text)","is_error":false}]},"parent_tool_use_id":null,"session_id":"\#(session)","uuid":"u-\#(index)","tool_use_result":{"stdout":"\#(medium)","stderr":"","interrupted":false}}"#
      }
    } else {
      switch index % 3 {
      case 0:
        return
          #"{"type":"item.completed","item":{"id":"item_\#(index)","type":"agent_message","text":"\#(text)"}}"#
      case 1:
        return
          #"{"type":"item.completed","item":{"id":"item_\#(index)","type":"command_execution","command":"/bin/bash -lc 'rg -n \"\#(index)\" Sources'","aggregated_output":"\#(text)","exit_code":0,"status":"completed"}}"#
      default:
        return
          #"{"type":"turn.completed","usage":{"input_tokens":\#(21000 + index % 1000),"cached_input_tokens":\#(index % 500),"output_tokens":46,"reasoning_output_tokens":0}}"#
      }
    }
  }
}

/// A small deterministic generator so every run measures the same corpus.
struct SeededGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
