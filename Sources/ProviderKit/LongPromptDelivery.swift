/// How a CLI can take a prompt too long to be one command-line argument.
///
/// Linux refuses to start a program with one argument over 128 KiB (`MAX_ARG_STRLEN`): `execve`
/// fails with "Argument list too long". So a prompt over ``argumentLimit`` bytes never goes into
/// argv: the command builder delivers it the provider's way, or, for a provider without one,
/// refuses it with ``ProviderError/Code/promptTooLong``. A provider whose ``PromptMode`` is
/// ``PromptMode/stdin`` takes every prompt on standard input and needs none.
///
/// In providers.json: `"longPrompt": {"mode": "stdin"}` — the prompt leaves argv and is written to
/// the CLI's standard input (`claude -p` reads it there when it has no prompt argument) — or
/// `{"mode": "stdin", "argument": "-"}`, where `-` takes the prompt's place in argv
/// (`codex exec -`, `codex exec resume <id> -`). For a prompt passed with a flag, the flag goes
/// with the prompt unless `argument` is given.
public enum LongPromptDelivery: Sendable, Hashable {
  /// On standard input; `argument`, if any, stands in argv where the prompt would be.
  case stdin(argument: String?)

  /// The largest prompt, in UTF-8 bytes, that is passed as an argument: well below Linux's 131,072
  /// bytes per argument (`MAX_ARG_STRLEN`), leaving room for a leading space and for the rest of argv.
  public static let argumentLimit = 100_000

  /// The name used in providers.json and in tables.
  public var name: String {
    switch self {
    case .stdin: "stdin"
    }
  }
}

extension LongPromptDelivery: Codable {
  private enum CodingKeys: String, CodingKey { case mode, argument }

  /// Decodes `{"mode": "stdin"}`, with an optional `"argument"`.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let mode = try c.decode(String.self, forKey: .mode)
    guard mode == "stdin" else {
      throw DecodingError.dataCorruptedError(
        forKey: .mode, in: c, debugDescription: "invalid value \"\(mode)\" (expected stdin)")
    }
    self = .stdin(argument: try c.decodeIfPresent(String.self, forKey: .argument))
  }

  /// Encodes `{"mode": "stdin"}`, with `"argument"` when there is one.
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(name, forKey: .mode)
    switch self {
    case .stdin(let argument): try c.encodeIfPresent(argument, forKey: .argument)
    }
  }
}
