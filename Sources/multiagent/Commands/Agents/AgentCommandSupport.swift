import Foundation
import JSONKit
import MultiAgent
import ProviderKit

extension AgentError {
  /// What the user sees: the error's code and message; usage problems exit 2, a timeout 124, an
  /// agent's token acting outside its children 77.
  var cliError: CLIError {
    let exitCode: ExitCode
    switch code {
    case .unknownProvider, .invalidName, .missingPrompt, .invalidPrompt, .promptTooLong, .invalidRequestID:
      exitCode = .usage
    case .timedOut: exitCode = .timedOut
    case .forbidden: exitCode = .forbidden
    default: exitCode = .failure
    }
    return CLIError(code: code.rawValue, message: message, hint: cliHint, exitCode: exitCode)
  }

  /// What the user can do about it, in the CLI's words (the library's errors name no options).
  var cliHint: String? {
    if let worktree = underlying as? WorktreeError {
      switch worktree.code {
      case .notARepository:
        return "pass --no-worktree to run the agent there without one, or --cwd a repository"
      case .invalidRef: return "commit something, or pass --base with a commit of the repository"
      case .branchExists: return "choose another --name, or delete the branch"
      case .pathExists: return "run `multiagent cleanup`, or choose another --name"
      default: return nil
      }
    }
    switch (code, facts["field"] ?? facts["state"]) {
    case (.notFound, _) where facts["agent"] != nil: return "`multiagent list --all` shows them"
    case (.nameTaken, _): return "choose another --name"
    case (.invalidPath, "cwd"): return "--cwd must name an existing directory"
    case (.invalidState, "maxRunning"): return "--max-running takes a whole number of at least 1"
    case (.invalidState, "parent"): return "give --parent, or spawn from inside an agent"
    case (.unknownAccount, "disabled"): return facts["account"].map { "`multiagent accounts enable \($0)`" }
    case (.unknownAccount, _): return facts["provider"].map { "`multiagent accounts list \($0)` shows them" }
    case (.promptTooLong, "prompt"):
      return "shorten the prompt, or pass the long material with --input FILE (the agent gets its path)"
    case (.promptTooLong, "answer"):
      return "shorten the answer, or put the long part in a file and answer with its path"
    case (.otherMachine, _):
      return facts["machine"].map { machine in
        "each controller sharing the store acts on the agents it supervises: run the command on \(machine) "
          + "(\(MachineID.environmentVariable), else /etc/machine-id, names a machine); if \(machine) is gone "
          + "for good, `multiagent reconcile --take-over \(machine)` makes its agents this machine's"
      }
    case (.invalidAnswer, "missingAnswers"):
      return "answer every question (--answer ID=TEXT), or give one free-text answer"
    default: return nil
    }
  }
}

extension CommandContext {
  /// The agent manager of the state home (created if needed), acting with the authority the
  /// environment carries (`MULTIAGENT_AGENT_ID` + `MULTIAGENT_TOKEN`: that agent's, limited to its
  /// children; neither: the user's), after a reconcile pass that repairs whatever a crash left behind.
  ///
  /// Supervisors are detached processes of this executable: `multiagent __supervise <words>`.
  ///
  /// With `catalogOptional`, for the commands that need no provider's definition (those that read,
  /// stop, delete or dismiss agents), an invalid `providers.json` is a warning rather than an error:
  /// the manager then knows no provider and repairs nothing (no reconcile pass, and an agent whose
  /// supervisor died is left for a command run once the file is fixed), so that agents can still be
  /// seen and stopped.
  ///
  /// - Throws: ``AgentError/Code/forbidden`` for an agent id without its valid token;
  ///   ``AgentError/Code/catalog`` for an invalid `providers.json` unless `catalogOptional`.
  func agentManager(reconciling: Bool = true, catalogOptional: Bool = false) throws -> AgentManager {
    let supervision = try Self.supervision()
    let logger = Self.logger(environment)
    let unscoped: AgentManager
    let catalog = Result { () throws(CatalogError) in try home.providerRegistry() }
    switch catalog {
    case .success(let registry):
      unscoped = try AgentManager(home: home, registry: registry, supervision: supervision, logger: logger)
    case .failure(let error) where catalogOptional:
      // The error as a command that needs the catalog reports it, hint included.
      let problem = CLIError.from(error)
      console.writeError(
        "warning: \(problem.message)\(problem.hint.map { "; \($0)" } ?? ""). Until then no agent is "
          + "spawned, answered or repaired.\n")
      let none = try ProviderRegistry(definitions: [], dialects: [:])
      unscoped = try AgentManager(home: home, registry: none, supervision: supervision, logger: logger)
    case .failure(let error):
      throw error
    }
    let manager = unscoped.scoped(to: try Authority.resolve(environment: environment, store: unscoped.store))
    if reconciling, case .success = catalog { manager.reconcile() }
    return manager
  }
}

extension CommandContext {
  /// The hidden command word that makes this executable a detached supervisor (see `main.swift`).
  static let superviseCommand = "__supervise"

  /// How the CLI supervises agents: a detached `multiagent __supervise …` process per agent.
  ///
  /// - Throws: ``AgentError/Code/process`` when the running executable cannot be found.
  static func supervision() throws(AgentError) -> Supervision {
    guard let supervision = Supervision.detachedCurrentExecutable(arguments: [superviseCommand]) else {
      throw AgentError(.process, "cannot find the path of the running multiagent executable")
    }
    return supervision
  }

  /// Where the library's recovered failures go: standard error from `MULTIAGENT_LOG_LEVEL` (debug,
  /// info, warning, error) up; nowhere when it is unset, so that output stays as documented.
  static func logger(_ environment: [String: String]) -> any AgentLogger {
    guard let name = environment["MULTIAGENT_LOG_LEVEL"], let level = AgentLogLevel(name: name) else {
      return SilentLogger()
    }
    return StandardErrorLogger(minimumLevel: level)
  }
}

/// Shared options and output of the agent commands.
enum AgentOutput {
  /// The `<name>` argument of the commands that act on one agent.
  static let agentArgument = Argument(name: "name", help: "The agent's name (or id).")

  /// `--timeout S` of the commands that wait.
  static let timeout = Option<Double>.seconds(
    "timeout", help: "Give up after this many seconds (exit 124); the agent is left running.")

  /// Writes `value` as one line of compact JSON on standard output.
  static func writeJSON(_ value: JSONValue, to console: Console) {
    var text = JSONWriter.string(value)
    text.withUTF8 { writeBytes($0) }
    writeBytes([UInt8(ascii: "\n")])
  }

  /// Writes the records as one JSON array on standard output; a record with a place in
  /// `positions` (a queued agent: 1 starts next) also has `queue_position`.
  static func writeJSONArray(_ records: [AgentRecord], positions: [String: Int] = [:]) {
    var json = JSONOutput(reservingCapacity: records.count * 720 + 2)
    json.beginArray()
    for record in records {
      guard let position = positions[record.id], case .object(var object) = record.jsonValue else {
        record.writeJSON(to: &json)
        continue
      }
      object["queue_position"] = .number(Double(position))
      json.value(.object(object))
    }
    json.endArray()
    json.withBytes { writeBytes($0) }
    writeBytes([UInt8(ascii: "\n")])
  }

  /// Writes raw bytes to standard output, unbuffered.
  static func writeBytes(_ bytes: [UInt8]) {
    bytes.withUnsafeBufferPointer { writeBytes($0) }
  }

  static func writeBytes(_ buffer: UnsafeBufferPointer<UInt8>) {
    var remaining = UnsafeRawBufferPointer(buffer)
    while !remaining.isEmpty {
      let written = write(STDOUT_FILENO, remaining.baseAddress, remaining.count)
      if written < 0, errno == EINTR { continue }
      if written <= 0 { return }
      remaining = UnsafeRawBufferPointer(rebasing: remaining[written...])
    }
  }

  /// The exit code of an agent that stopped moving: 0 completed, 3 waiting for input, 1 otherwise.
  static func exitCode(for status: AgentStatus) -> ExitCode {
    switch status {
    case .completed: .success
    case .waitingForInput: .waitingForInput
    default: .failure
    }
  }

  /// Reports an agent just started (or resumed, or sent a message): the record with `--json`, else
  /// its name, which the user waits on or follows with.
  static func reportStarted(_ record: AgentRecord, context: CommandContext) {
    if context.json {
      writeJSON(record.jsonValue, to: context.console)
    } else {
      context.console.write(record.name + "\n")
    }
  }

  /// Reports a settled agent the way `wait` does (its status, or the record with `--json`) and
  /// returns the matching exit code.
  static func reportSettled(_ record: AgentRecord, context: CommandContext) -> ExitCode {
    if context.json {
      writeJSON(record.jsonValue, to: context.console)
    } else {
      context.console.write(record.status.rawValue + "\n")
      if record.status != .completed, let error = record.error {
        context.console.writeError("\(record.name): \(error)\n")
      }
      if record.status == .waitingForInput {
        context.console.writeError("see `multiagent questions \(record.name)`\n")
      }
    }
    return exitCode(for: record.status)
  }

  /// `42s`, `5m`, `3h`, `2d`: how long ago `date` was.
  static func age(since date: Date, now: Date = Date()) -> String {
    let seconds = max(0, Int(now.timeIntervalSince(date)))
    switch seconds {
    case ..<60: return "\(seconds)s"
    case ..<3600: return "\(seconds / 60)m"
    case ..<86_400: return "\(seconds / 3600)h"
    default: return "\(seconds / 86_400)d"
    }
  }

  /// A time as ISO 8601 UTC (`2026-01-02T03:04:05Z`).
  static func timestamp(_ date: Date) -> String {
    date.formatted(.iso8601)
  }

  /// A pending question as JSON (the shape of `pending_questions` in a record).
  static func json(_ question: PendingQuestion) -> JSONValue {
    var object = JSONObject()
    if let header = question.header {
      object.keys.append("header")
      object.values.append(.string(header))
    }
    object.keys += ["id", "options", "question"]
    object.values += [
      .string(question.id), .array(question.options.map { .string($0) }), .string(question.question),
    ]
    return .object(object)
  }

  /// Pending questions as text: `q1: question` and an indented line of options.
  static func text(of questions: [PendingQuestion]) -> String {
    var text = ""
    for question in questions {
      if let header = question.header, !header.isEmpty { text += "[\(header)] " }
      text += "\(question.id): \(question.question)\n"
      if !question.options.isEmpty {
        text += "    options: " + question.options.joined(separator: " | ") + "\n"
      }
    }
    return text
  }
}

/// Prints normalized events: one human line per event, or one JSON object per line with `--json`.
///
/// With `agent` (another agent's events shown in a parent's log), each human line is prefixed
/// `[agent] ` and each JSON object gets an `"agent"` key.
struct EventPrinter {
  let json: Bool
  let console: Console
  /// The name of the agent whose events these are, when not the agent followed.
  let agent: String?
  private let encoder: JSONEncoder

  init(json: Bool, console: Console, agent: String? = nil) {
    self.json = json
    self.console = console
    self.agent = agent
    encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = JSONTime.dateEncodingStrategy
  }

  /// Prints one event.
  mutating func print(_ event: AgentEvent) {
    if json {
      if let data = try? encoder.encode(event) {
        var text = String(decoding: data, as: UTF8.self)
        if let agent, text.hasPrefix("{") {
          // Keys are sorted and "agent" sorts first: it goes right after the brace.
          let key = "\"agent\":" + JSONWriter.string(.string(agent))
          text = "{" + key + (text == "{}" ? "" : ",") + text.dropFirst()
        }
        console.write(text + "\n")
      }
    } else if let line = Self.text(of: event) {
      if let agent {
        console.write(
          line.split(separator: "\n", omittingEmptySubsequences: false).map { "[\(agent)] \($0)" }
            .joined(separator: "\n") + "\n")
      } else {
        console.write(line + "\n")
      }
    }
  }

  /// The event as text for people; `nil` for nothing worth a line.
  static func text(of event: AgentEvent) -> String? {
    switch event.kind {
    case .sessionStarted(let id): return "[session \(id)]"
    case .assistantText(let text): return text
    case .toolUse(_, let name, let input): return "[tool \(name)] \(clip(input))"
    case .toolResult(_, let output, let isError):
      return "[\(isError ? "tool error" : "tool result")] \(clip(output))"
    case .usage(let usage):
      var parts: [String] = []
      if let tokens = usage.inputTokens { parts.append("input \(tokens)") }
      if let tokens = usage.cachedInputTokens { parts.append("cached \(tokens)") }
      if let tokens = usage.outputTokens { parts.append("output \(tokens)") }
      if let cost = usage.costUSD { parts.append("$" + String(format: "%.4f", cost)) }
      return parts.isEmpty ? nil : "[usage] " + parts.joined(separator: ", ")
    case .retrying(let attempt, let maxAttempts, let message):
      let count = attempt.map { " \($0)" + (maxAttempts.map { "/\($0)" } ?? "") } ?? ""
      return "[retrying\(count)] \(message)"
    case .exhausted(let resetAt, let message):
      return "[usage limit] \(message)" + (resetAt.map { " (resets \(AgentOutput.timestamp($0)))" } ?? "")
    case .quota(let reading):
      return "[quota] " + quotaText(reading.windows)
    case .question(let questions):
      return "[questions]\n" + AgentOutput.text(of: questions).trimmingCharacters(in: .newlines)
    case .permissionRequest(let request):
      return "[asks to use \(request.toolName)] \(clip(request.input))"
    case .messageTaken(_, let text):
      return "[message taken] \(clip(text))"
    case .result(let text, let isError):
      return "[\(isError ? "error result" : "result")] \(text ?? "")"
    case .error(let message): return "[error] \(message)"
    case .raw(let text): return text
    }
  }

  /// Usage windows for people: `five_hour 95% (resets 2026-12-02 21:09), seven_day 40%`.
  static func quotaText(_ windows: [QuotaReading.Window]) -> String {
    windows.map { window in
      let percent = Int((window.utilization * 100).rounded())
      let reset = window.resetsAt.map { " (resets \(AgentOutput.timestamp($0)))" } ?? ""
      return "\(window.name) \(percent)%\(reset)"
    }.joined(separator: ", ")
  }

  private static func clip(_ text: String, to limit: Int = 300) -> String {
    let flat = text.replacingOccurrences(of: "\n", with: " ")
    return flat.count > limit ? String(flat.prefix(limit - 1)) + "…" : flat
  }
}
