import Foundation
import ProviderKit

/// The human-readable text of `multiagent providers show`.
enum ProviderDescription {
  /// Every field of the definition, one per line, then the example command lines.
  static func text(of definition: ProviderDefinition, path: String?, examples: ProviderExamples) -> String {
    var fields: [(String, String)] = [
      ("binary", definition.binary),
      ("installed", path ?? "no"),
      ("alternatives", list(definition.alternativeBinaries)),
      ("version args", argv(definition.versionArguments)),
      ("dialect", definition.dialect),
      ("arguments", argv(definition.arguments)),
      ("prompt", prompt(definition.prompt)),
      ("long prompt", longPrompt(definition)),
      ("model flag", definition.modelFlag ?? "-"),
      ("resume", resume(definition.resume)),
      ("session id", sessionID(definition.sessionID)),
      ("config dir", configDirectory(definition.configDirectory)),
    ]
    let credentials = definition.credentials
    fields += [
      ("credential files", list(credentials.files.map { "\($0.path) (\($0.format))" })),
      ("api key env", credentials.apiKeyEnvironmentVariable ?? "-"),
      ("token env", credentials.tokenEnvironmentVariable ?? "-"),
      ("credential env", list(credentials.environmentVariables)),
      (
        "oauth refresh",
        credentials.oauthRefresh.map { "\($0.url) (client \($0.clientID), \($0.encoding))" } ?? "-"
      ),
      ("live input", definition.liveInput?.rawValue ?? "-"),
      ("session files", list(definition.sessionFiles?.patterns ?? [])),
      ("session companions", list(definition.sessionFiles?.companions ?? [])),
      ("environment", assignments(definition.environment)),
      ("root environment", assignments(definition.rootEnvironment)),
      ("unset environment", list(definition.unsetEnvironment)),
    ]

    var text = "\(definition.name) — \(definition.displayName)\n"
    for (label, value) in fields { text += "  " + (label + ":").padding(to: 20) + value + "\n" }
    text += "  exhaustion:"
    if definition.exhaustion.isEmpty {
      text += String(repeating: " ", count: 9) + "-\n"
    } else {
      text += "\n"
      for rule in definition.exhaustion {
        text += "    /\(rule.pattern)/" + (rule.reset.map { "  (reset: \($0.rawValue))" } ?? "") + "\n"
      }
    }
    if let notes = definition.notes { text += "  " + "notes:".padding(to: 20) + notes + "\n" }

    text += "\nExample spawn:\n  " + example(examples.spawn, prompt: definition.prompt) + "\n"
    text += "Example resume:\n  "
    switch examples.resume {
    case .failure(let error) where error.code == .resumeUnsupported: text += "resume: not supported\n"
    default: text += example(examples.resume, prompt: definition.prompt) + "\n"
    }
    return text
  }

  private static func example(_ command: Result<CommandSpec, ProviderError>, prompt: PromptMode) -> String {
    switch command {
    case .success(let spec):
      var line = argv(spec.argv)
      if case .text(let input) = spec.standardInput { line += "\n  (standard input: \(input))" }
      return line
    case .failure(let error): return "cannot be built: \(error.message)"
    }
  }

  private static func prompt(_ mode: PromptMode) -> String {
    switch mode {
    case .positional: "positional (last argument)"
    case .flag(let flag): "flag \(flag) <prompt>"
    case .subcommand(let words): "subcommand \(words.joined(separator: " ")) (prompt last)"
    case .stdin: "stdin"
    }
  }

  /// How a prompt over the argument limit goes, or that it is refused.
  private static func longPrompt(_ definition: ProviderDefinition) -> String {
    let limit = "over \(LongPromptDelivery.argumentLimit) bytes"
    if case .stdin = definition.prompt { return "stdin (every prompt)" }
    switch definition.longPrompt {
    case .stdin(let argument?)?: return "\(limit): stdin, \(argument) in its place"
    case .stdin(nil)?: return "\(limit): stdin, left out of the arguments"
    case nil: return "\(limit): refused (taken only as an argument)"
    }
  }

  private static func resume(_ style: ResumeStyle) -> String {
    switch style {
    case .flag(let flag): "flag " + (flag.hasSuffix("=") ? "\(flag)<session-id>" : "\(flag) <session-id>")
    case .subcommand(let words): "subcommand \(words.joined(separator: " ")) <session-id> (after the flags)"
    case .none: "not supported"
    }
  }

  private static func sessionID(_ rule: SessionIDRule) -> String {
    let field = rule.field.map { " field \"\($0)\"" } ?? ""
    switch rule.source {
    case .event: return "read from the output" + field
    case .pinned:
      return "pinned up front with \(rule.flag ?? "?")" + (field.isEmpty ? "" : ", confirmed by" + field)
    case .none: return "none"
    }
  }

  private static func configDirectory(_ directory: ConfigDirectory?) -> String {
    guard let directory else { return "-" }
    var text = "$\(directory.environmentVariable)"
    if let path = directory.defaultPath { text += " (default \(path))" }
    if let subdirectory = directory.subdirectory { text += ", files in \(subdirectory)/" }
    return text
  }

  private static func list(_ items: [String]) -> String {
    items.isEmpty ? "-" : items.joined(separator: ", ")
  }

  private static func assignments(_ variables: [String: String]) -> String {
    variables.isEmpty
      ? "-" : variables.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
  }

  /// Words joined with spaces, each quoted for a POSIX shell when needed, so a line can be pasted.
  static func argv(_ words: [String]) -> String {
    words.isEmpty ? "-" : words.map(shellQuoted).joined(separator: " ")
  }

  private static func shellQuoted(_ word: String) -> String {
    let safe =
      !word.isEmpty
      && word.unicodeScalars.allSatisfy { scalar in
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "-", "_", ".", "/", "=", ":", ",", "@", "%", "+": true
        default: false
        }
      }
    return safe ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }
}
