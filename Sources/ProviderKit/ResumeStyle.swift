/// How a CLI resumes an earlier session.
///
/// In providers.json: `{"style":"flag","flag":"--resume"}` (a flag ending in `=` is joined to the
/// id: `--resume=<id>`), `{"style":"subcommand","subcommand":["resume"]}`, or `{"style":"none"}`.
public enum ResumeStyle: Sendable, Hashable {
  /// A flag and the session id among the run's arguments (`claude -p --resume <id> … "prompt"`).
  case flag(String)
  /// Subcommand words and the session id after the run's flags (`codex exec --json … resume <id> "prompt"`,
  /// `amp --execute --stream-json threads continue <id>`).
  case subcommand([String])
  /// The CLI cannot resume a session headlessly.
  case none

  /// The name used in providers.json and in tables.
  public var name: String {
    switch self {
    case .flag: "flag"
    case .subcommand: "subcommand"
    case .none: "none"
    }
  }
}

extension ResumeStyle: Codable {
  private enum CodingKeys: String, CodingKey { case style, flag, subcommand }

  /// Decodes `{"style": …}` with the style's own field.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let style = try c.decode(String.self, forKey: .style)
    switch style {
    case "none": self = .none
    case "flag": self = .flag(try c.decodeNonEmpty(String.self, forKey: .flag))
    case "subcommand": self = .subcommand(try c.decodeNonEmpty([String].self, forKey: .subcommand))
    default:
      throw DecodingError.dataCorruptedError(
        forKey: .style, in: c,
        debugDescription: "invalid value \"\(style)\" (expected flag, subcommand or none)")
    }
  }

  /// Encodes `{"style": …}` with the style's own field.
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(name, forKey: .style)
    switch self {
    case .flag(let flag): try c.encode(flag, forKey: .flag)
    case .subcommand(let words): try c.encode(words, forKey: .subcommand)
    case .none: break
    }
  }
}
