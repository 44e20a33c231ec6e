import ProviderKit

/// The output dialects multiagent can parse, by the name a provider definition uses.
public enum BuiltinDialects {
  /// Every built-in dialect's parser factory.
  public static let all: [String: OutputParserFactory] = [
    "plain-text": { _ in PlainTextParser() }
  ]
}
