import ProviderKit

/// The output dialects multiagent can parse, by the name a provider definition uses.
///
/// | dialect | providers |
/// | --- | --- |
/// | `claude-stream-json` | claude, amp, qwen |
/// | `cursor-stream-json` | cursor |
/// | `codex-exec-json` | codex |
/// | `gemini-stream-json` | gemini |
/// | `opencode-json` | opencode |
/// | `copilot-json` | copilot |
/// | `droid-stream-json` | droid |
/// | `kimi-stream-json` | kimi |
/// | `vibe-streaming` | vibe |
/// | `openhands-json` | openhands |
/// | `auggie-json` | auggie |
/// | `plain-text` | any CLI that prints plain text |
public enum BuiltinDialects {
  /// Every built-in dialect's parser factory.
  public static let all: [String: OutputParserFactory] = [
    "claude-stream-json": { context in ClaudeStreamJSONParser(context: context) },
    "cursor-stream-json": { context in CursorStreamJSONParser(context: context) },
    "codex-exec-json": { context in CodexExecJSONParser(context: context) },
    "gemini-stream-json": { context in GeminiStreamJSONParser(context: context) },
    "opencode-json": { context in OpenCodeJSONParser(context: context) },
    "copilot-json": { context in CopilotJSONParser(context: context) },
    "droid-stream-json": { context in DroidStreamJSONParser(context: context) },
    "kimi-stream-json": { context in KimiStreamJSONParser(context: context) },
    "vibe-streaming": { context in VibeStreamingParser(context: context) },
    "openhands-json": { context in OpenHandsJSONParser(context: context) },
    "auggie-json": { context in AuggieJSONParser(context: context) },
    "plain-text": { _ in PlainTextParser() },
  ]
}
