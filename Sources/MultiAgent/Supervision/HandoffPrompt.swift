import Foundation
import ProviderKit

/// The prompt that lets an agent continue on another provider: the new CLI starts a session of its
/// own (a session id never crosses providers), so everything multiagent knows about the work so
/// far goes into its first request — the task, the answers the user gave, what was done (files
/// changed in the worktree, tool calls, the last assistant messages) and what was in progress.
struct HandoffPrompt: Sendable, Hashable {
  /// The provider the agent ran on, and why it cannot go on there.
  var fromProvider: String
  var reason: String
  /// The agent's task as the user gave it (with its input-file list), without the question
  /// protocol's instructions.
  var task: String
  /// The resume prompts of the user's answers so far, oldest first.
  var answers: [String] = []
  /// `git status --short` of the worktree (empty: nothing changed, or no repository).
  var gitStatus: String = ""
  /// `git diff --stat` against the agent's base commit.
  var diffStat: String = ""
  /// The tool calls of the previous provider's runs, oldest first (at most ``maxToolCalls``).
  var toolCalls: [ToolCall] = []
  /// The last things the assistant wrote, oldest first (at most ``maxMessages``).
  var lastMessages: [String] = []
  /// What the last run was carrying when it stopped.
  var interrupted: Interrupted?
  /// A tool call that started and never got a result.
  var unfinishedToolCall: ToolCall?

  /// What the last run was carrying when it stopped.
  enum Interrupted: Sendable, Hashable {
    /// Its first turn: the task.
    case task
    /// The user's last answers (listed with the answers).
    case lastAnswers
    /// Another request, quoted.
    case request(String)
  }

  /// One tool call: its name and its input, shortened.
  struct ToolCall: Sendable, Hashable {
    var name: String
    var input: String
  }

  static let maxToolCalls = 40
  static let maxMessages = 3
  /// The longest a message, a tool input or a listing is quoted, in characters.
  static let maxQuoted = 2_000

  /// The prompt text (without the question protocol's instructions, which the caller appends).
  var text: String {
    var parts: [String] = [
      "You are taking over a task from another coding agent (\(fromProvider)), which could not go on: "
        + "\(reason). You work in the same directory; everything it changed is already there. Continue "
        + "the task from where it stopped; do not redo work that is already done.",
      "## The task\n\n" + task,
    ]
    if !answers.isEmpty {
      parts.append("## Answers the user gave along the way\n\n" + answers.joined(separator: "\n\n"))
    }
    parts.append("## What was done so far\n\n" + doneSoFar)
    if let progress = inProgress { parts.append("## In progress when it stopped\n\n" + progress) }
    return parts.joined(separator: "\n\n")
  }

  private var doneSoFar: String {
    var lines: [String] = []
    let status = gitStatus.trimmingTrailingNewlines
    lines.append(
      status.isEmpty
        ? "Files changed in the working directory: none."
        : "Files changed in the working directory (git status --short):\n" + Self.quoted(status))
    let stat = diffStat.trimmingTrailingNewlines
    if !stat.isEmpty { lines.append("Changes to tracked files (git diff --stat):\n" + Self.quoted(stat)) }
    if !toolCalls.isEmpty {
      let calls = toolCalls.suffix(Self.maxToolCalls).map { "- \($0.name) \(Self.shortened($0.input, 300))" }
      let skipped = toolCalls.count > Self.maxToolCalls ? " (the last \(Self.maxToolCalls))" : ""
      lines.append("Tool calls it made, oldest first\(skipped):\n" + calls.joined(separator: "\n"))
    }
    if !lastMessages.isEmpty {
      let messages = lastMessages.suffix(Self.maxMessages).map {
        Self.quoted(Self.shortened($0, Self.maxQuoted))
      }
      lines.append("Its last messages:\n" + messages.joined(separator: "\n\n"))
    }
    return lines.joined(separator: "\n\n")
  }

  private var inProgress: String? {
    var lines: [String] = []
    switch interrupted {
    case .task?: lines.append("It was still on its first turn: the task above.")
    case .lastAnswers?: lines.append("It was working on the user's last answers (above).")
    case .request(let request)?:
      lines.append("It was working on this request when it stopped:\n" + Self.quoted(request))
    case nil: break
    }
    if let call = unfinishedToolCall {
      lines.append(
        "Its last tool call never finished (check whether it took effect): \(call.name) "
          + Self.shortened(call.input, 300))
    }
    return lines.isEmpty ? nil : lines.joined(separator: "\n\n")
  }

  /// `text` with each line indented by `> `.
  static func quoted(_ text: String) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false).map { "> " + $0 }.joined(separator: "\n")
  }

  /// `text` cut to `limit` characters (marked with `…`), on one line.
  static func shortened(_ text: String, _ limit: Int) -> String {
    let line = text.count > limit ? String(text.prefix(limit)) + "…" : text
    return limit < maxQuoted ? line.replacingNewlines : line
  }
}

extension String {
  fileprivate var trimmingTrailingNewlines: String {
    var text = self
    while text.last?.isNewline == true { text.removeLast() }
    return text
  }

  fileprivate var replacingNewlines: String {
    split(whereSeparator: \.isNewline).joined(separator: " ")
  }
}

extension HandoffPrompt {
  /// Gathers the tool calls, the last messages and an unfinished tool call from the normalized
  /// events of the previous provider's runs.
  mutating func add(events: [AgentEvent]) {
    var lastOpen: ToolCall?
    for event in events {
      switch event.kind {
      case .toolUse(_, let name, let input):
        let call = ToolCall(name: name, input: Self.shortened(input, Self.maxQuoted))
        toolCalls.append(call)
        if toolCalls.count > 4 * Self.maxToolCalls {
          toolCalls.removeFirst(toolCalls.count - Self.maxToolCalls)
        }
        lastOpen = call
      case .toolResult:
        lastOpen = nil
      case .assistantText(let text):
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { continue }
        lastMessages.append(Self.shortened(trimmed, Self.maxQuoted))
        if lastMessages.count > Self.maxMessages { lastMessages.removeFirst() }
      default: continue
      }
    }
    // The last tool call, when no result came after it.
    unfinishedToolCall = lastOpen
  }
}
