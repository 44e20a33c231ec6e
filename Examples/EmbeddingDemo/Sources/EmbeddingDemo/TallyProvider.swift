import Foundation
import ProviderKit

/// A provider that no catalog knows: "tally", whose CLI is this very program run as `fake-cli`
/// (see `FakeTallyCLI`). Its command line is built in code and its output has a dialect of its own,
/// read by `TallyParser`.
struct TallyProvider: AgentProvider {
  /// The provider's name, as given to `SpawnOptions(provider:)`.
  static let name = "tally"

  let definition: ProviderDefinition

  /// - Parameter executable: the absolute path of this program, which plays the tally CLI.
  init(executable: String) {
    definition = ProviderDefinition(
      name: Self.name, displayName: "Tally (example)", binary: executable,
      versionArguments: ["fake-cli", "--version"],
      dialect: "tally-lines", arguments: [], prompt: .positional, resume: .flag("--resume"),
      sessionID: SessionIDRule(source: .pinned, flag: "--session"),
      configDirectory: ConfigDirectory(environmentVariable: "TALLY_HOME"),
      credentials: CredentialLayout(apiKeyEnvironmentVariable: "TALLY_API_KEY"))
  }

  func spawnCommand(for request: CommandRequest, sessionID: String?) throws(ProviderError) -> CommandSpec {
    var command = try spawnCommandFromDefinition(for: request, sessionID: sessionID)
    command.arguments.insert("fake-cli", at: 0)
    return command
  }

  func resumeCommand(for request: CommandRequest, sessionID: String) throws(ProviderError) -> CommandSpec {
    var command = try resumeCommandFromDefinition(for: request, sessionID: sessionID)
    command.arguments.insert("fake-cli", at: 0)
    return command
  }

  func makeParser(context: ParserContext) -> any OutputParser { TallyParser() }
}

/// The tally dialect: one instruction per line.
///
/// ```
/// @session <id>                         the session started (or resumed)
/// @say <text>                           the assistant wrote text
/// @ask <id> <question> | <opt> | <opt>  a question (native: the agent waits for an answer)
/// @limit <unix seconds>                 the account's usage limit, free again at that time
/// @result <text>                        the turn's final result
/// ```
struct TallyParser: OutputParser {
  mutating func parse(line: ArraySlice<UInt8>, offset: Int64) -> [AgentEvent] {
    let text = String(decoding: line, as: UTF8.self)
    guard text.hasPrefix("@"), let space = text.firstIndex(of: " ") else {
      return text.isEmpty ? [] : [AgentEvent(offset: offset, kind: .raw(text))]
    }
    let word = text[text.index(after: text.startIndex)..<space]
    let rest = String(text[text.index(after: space)...])
    let kind: AgentEvent.Kind
    switch word {
    case "session": kind = .sessionStarted(id: rest)
    case "say": kind = .assistantText(rest)
    case "result": kind = .result(text: rest, isError: false)
    case "limit":
      let reset = Double(rest).map(Date.init(timeIntervalSince1970:))
      kind = .exhausted(resetAt: reset, message: "tally: usage limit reached")
    case "ask":
      let parts = rest.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
      let head = parts.first ?? ""
      let id = head.split(separator: " ").first.map(String.init) ?? "q1"
      let question = head.dropFirst(id.count).trimmingCharacters(in: .whitespaces)
      kind = .question([PendingQuestion(id: id, question: question, options: Array(parts.dropFirst()))])
    default: kind = .raw(text)
    }
    return [AgentEvent(offset: offset, kind: kind)]
  }
}
