/// Whether a run's error says the CLI's login is not accepted (a key or token the service refuses,
/// or no login at all): the provider cannot go on, so an agent with a fallback provider moves on.
///
/// The texts are the CLIs' own: Claude Code's "Invalid API key · Fix external API key", "Please run
/// /login" and `authentication_failed`; Codex's "401 Unauthorized" and "Incorrect API key provided";
/// and the generic "not logged in" / "authentication failed" of the others.
enum LoginFailure {
  static let phrases = [
    "invalid api key", "please run /login", "authentication_failed", "authentication failed",
    "401 unauthorized", "incorrect api key provided", "not logged in", "oauth token has expired",
    "invalid x-api-key",
  ]

  /// Whether `error` reads as a refused login.
  static func matches(_ error: String) -> Bool {
    let text = error.lowercased()
    return phrases.contains { text.contains($0) }
  }
}
