/// How a CLI receives the prompt in a headless run.
///
/// In providers.json: `{"mode":"positional"}`, `{"mode":"flag","flag":"-p"}`,
/// `{"mode":"subcommand","subcommand":["exec"]}` (subcommand first, prompt last) or `{"mode":"stdin"}`.
public enum PromptMode: Sendable, Hashable {
  /// The prompt is the last argument (`claude -p … "prompt"`).
  case positional
  /// The prompt is the value of a flag (`gemini -p "prompt"`).
  case flag(String)
  /// The CLI runs a subcommand first and takes the prompt as its last argument (`codex exec … "prompt"`).
  case subcommand([String])
  /// The prompt is written to the CLI's standard input (`amp --execute`).
  case stdin

  /// The name used in providers.json and in tables.
  public var name: String {
    switch self {
    case .positional: "positional"
    case .flag: "flag"
    case .subcommand: "subcommand"
    case .stdin: "stdin"
    }
  }
}

extension PromptMode: Codable {
  private enum CodingKeys: String, CodingKey { case mode, flag, subcommand }

  /// Decodes `{"mode": …}` with the mode's own field.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let mode = try c.decode(String.self, forKey: .mode)
    switch mode {
    case "positional": self = .positional
    case "stdin": self = .stdin
    case "flag": self = .flag(try c.decodeNonEmpty(String.self, forKey: .flag))
    case "subcommand": self = .subcommand(try c.decodeNonEmpty([String].self, forKey: .subcommand))
    default:
      throw DecodingError.dataCorruptedError(
        forKey: .mode, in: c,
        debugDescription: "invalid value \"\(mode)\" (expected positional, flag, subcommand or stdin)")
    }
  }

  /// Encodes `{"mode": …}` with the mode's own field.
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(name, forKey: .mode)
    switch self {
    case .flag(let flag): try c.encode(flag, forKey: .flag)
    case .subcommand(let words): try c.encode(words, forKey: .subcommand)
    case .positional, .stdin: break
    }
  }
}

extension KeyedDecodingContainer {
  /// Decodes a string or array that must not be empty, with an error naming the field otherwise.
  func decodeNonEmpty<T: Decodable & Collection>(_ type: T.Type, forKey key: Key) throws -> T {
    let value = try decode(type, forKey: key)
    if value.isEmpty {
      throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "must not be empty")
    }
    return value
  }
}
