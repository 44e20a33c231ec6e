import Foundation
import JSONKit
import MultiAgent
import ProviderKit

/// `multiagent wait NAME`, `wait --any A B …`, `wait --all A B …`: waits until agents finish or need
/// input, without changing them.
struct WaitCommand: ParsableCommand {
  static let any = Flag(
    "any", help: "Return as soon as one of the agents finishes or asks questions; print that one.")
  static let all = Flag("all", help: "Return once every one of the agents has finished or asks questions.")
  static let others = Argument(
    name: "more", help: "More agents to wait on (with --any or --all).", arity: .variadic)

  static let configuration = CommandConfiguration(
    name: "wait",
    abstract: "Wait until agents finish or ask questions; print their status.",
    discussion: """
      Exit codes: 0 completed, 3 waiting_for_input, 1 failed, stopped or crashed, 124 timed out. Waiting
      changes nothing: a timed-out agent keeps running, and a later wait sees the same result.
      With one agent, prints its status (--json: its record). On timeout, prints its current status
      and age (--json: the record with "timed_out": true, "age_seconds" and an "error" object).
      With --any, prints the first agent to settle as "NAME STATUS" (--json: its record); the exit
      code is its own. With --all, prints every agent (--json: an array of records); the exit code is
      0 if all completed, 3 if any waits for input and none failed, else 1. On timeout, both print
      the agents not yet settled with their age (--json: an array of records with "timed_out" and
      "age_seconds"). Agents on hosts (spawn --host) mix with local ones: their hosts are asked every
      half second, and one whose host does not answer is "unreachable", never settled.
      """,
    options: [AgentOutput.timeout, any, all],
    arguments: [AgentOutput.agentArgument, others]
  )

  let references: [String]
  let mode: AgentManager.WaitMode?
  let timeout: Duration?

  init(arguments: ParsedArguments) throws {
    references =
      [arguments.argument(AgentOutput.agentArgument) ?? ""] + arguments.arguments(Self.others)
    timeout = try arguments.value(AgentOutput.timeout)?.secondsDuration
    switch (arguments.isSet(Self.any), arguments.isSet(Self.all)) {
    case (true, true):
      throw CLIError.usage(
        "conflicting_options", "--any and --all cannot be used together",
        hint: "see '\(arguments.commandName) --help'")
    case (true, false): mode = .any
    case (false, true): mode = .all
    case (false, false):
      guard references.count == 1 else {
        throw CLIError.usage(
          "ambiguous_wait", "several agents given without --any or --all",
          hint: "use --any to return when the first of them settles, or --all to wait for every one")
      }
      mode = nil
    }
  }

  func run(context: CommandContext) async throws -> ExitCode {
    if mode == nil, let (hosts, agent) = RemoteAgentOutput.lookup(references[0], context) {
      return try await RemoteAgentOutput.wait(agent, hosts: hosts, timeout: timeout, context: context)
    }
    let manager = try context.agentManager(catalogOptional: true)
    if let mode, let mixed = try MixedWait.make(references, manager: manager, context: context) {
      return try await mixed.run(mode: mode, timeout: timeout, context: context)
    }
    let (references, mode, timeout) = (self.references, self.mode, self.timeout)
    let outcome = try await ProgressLine.during(context, describe: Self.describe(references, manager)) {
      try await manager.wait(for: references, mode: mode ?? .all, timeout: timeout)
    }
    guard let mode else { return reportOne(outcome, context: context) }
    if outcome.timedOut { return reportTimeout(outcome, mode: mode, context: context) }
    switch mode {
    case .any:
      let record = outcome.settled[0]
      if context.json {
        AgentOutput.writeJSON(record.jsonValue, to: context.console)
      } else {
        writeLine(for: record, context: context)
      }
      return AgentOutput.exitCode(for: record.status)
    case .all:
      if context.json {
        AgentOutput.writeJSON(.array(outcome.settled.map(\.jsonValue)), to: context.console)
      } else {
        for record in outcome.settled { writeLine(for: record, context: context) }
      }
      return Self.exitCode(forAll: outcome.settled.map(\.status))
    }
  }

  /// What the progress line says: `NAME is STATUS`, or how many of several agents are still going.
  static func describe(_ references: [String], _ manager: AgentManager) -> @Sendable () -> String {
    {
      let records = references.compactMap { try? manager.agent($0) }
      guard records.count == 1, let record = records.first else {
        let going = records.filter { !$0.status.isTerminal && $0.status != .waitingForInput }.count
        return "waiting for \(going) of \(references.count) agents"
      }
      return "\(record.name) is \(record.status.rawValue)"
    }
  }

  /// The exit code of `wait --all`: 0 if every agent completed, 3 if any waits for input and none
  /// failed, stopped or crashed, else 1.
  static func exitCode(forAll statuses: [AgentStatus]) -> ExitCode {
    if statuses.allSatisfy({ $0 == .completed }) { return .success }
    let anyFailed = statuses.contains { $0.isTerminal && $0 != .completed }
    return !anyFailed && statuses.contains(.waitingForInput) ? .waitingForInput : .failure
  }

  /// One agent without --any or --all: its status (as `wait` always printed it), or a snapshot.
  private func reportOne(_ outcome: AgentManager.WaitOutcome, context: CommandContext) -> ExitCode {
    guard let record = outcome.pending.first else {
      return AgentOutput.reportSettled(outcome.settled[0], context: context)
    }
    let now = Date()
    var message = "\(record.name) is still \(record.status.rawValue) \(waitedFor)"
    if let error = record.error { message += " (\(error))" }
    message += "; it was left as it is"
    context.console.writeError("error: \(message)\n")
    if context.json {
      // The snapshot carries the CLI's usual error object, so `.error.code` reads `timed_out`.
      let error = JSONObject(
        keys: ["code", "message", "exit_code"],
        values: [
          .string(AgentError.Code.timedOut.rawValue), .string(message),
          .number(Double(ExitCode.timedOut.rawValue)),
        ])
      AgentOutput.writeJSON(Self.snapshot(record, now: now, error: .object(error)), to: context.console)
    } else {
      context.console.write(
        "\(record.status.rawValue) (age \(AgentOutput.age(since: record.createdAt, now: now)))\n")
    }
    return .timedOut
  }

  /// --any or --all ran out of time: the agents not yet settled, with their age.
  private func reportTimeout(
    _ outcome: AgentManager.WaitOutcome, mode: AgentManager.WaitMode, context: CommandContext
  ) -> ExitCode {
    let now = Date()
    let names = outcome.pending.map(\.name).joined(separator: ", ")
    let message =
      switch mode {
      case .any: "none of \(names) finished or asked questions \(waitedFor)"
      case .all: "\(names) still not finished \(waitedFor)"
      }
    context.console.writeError("error: \(message); they were left as they are\n")
    if context.json {
      AgentOutput.writeJSON(.array(outcome.pending.map { Self.snapshot($0, now: now) }), to: context.console)
    } else {
      for record in outcome.pending {
        let age = AgentOutput.age(since: record.createdAt, now: now)
        context.console.write("\(record.name) \(record.status.rawValue) (age \(age))\n")
      }
    }
    return .timedOut
  }

  /// `after 5 seconds` (or why the wait ended early).
  private var waitedFor: String {
    timeout.map { "after \($0)" } ?? "when the wait was cancelled"
  }

  /// `NAME STATUS` on stdout; the agent's error, or where its questions are, on stderr.
  private func writeLine(for record: AgentRecord, context: CommandContext) {
    context.console.write("\(record.name) \(record.status.rawValue)\n")
    if record.status != .completed, let error = record.error {
      context.console.writeError("\(record.name): \(error)\n")
    }
    if record.status == .waitingForInput {
      context.console.writeError("see `multiagent questions \(record.name)`\n")
    }
  }

  /// The record of an agent that has not settled, with `"timed_out": true` and `"age_seconds"` (and
  /// `error`, when given, in place of the record's own), keys in sorted order.
  static func snapshot(_ record: AgentRecord, now: Date, error: JSONValue? = nil) -> JSONValue {
    guard case .object(var object) = record.jsonValue else { return record.jsonValue }
    object["timed_out"] = .bool(true)
    object["age_seconds"] = .number(max(0, now.timeIntervalSince(record.createdAt)).rounded(.down))
    if let error { object["error"] = error }
    let members = zip(object.keys, object.values).sorted { $0.0 < $1.0 }
    return .object(JSONObject(keys: members.map(\.0), values: members.map(\.1)))
  }
}
