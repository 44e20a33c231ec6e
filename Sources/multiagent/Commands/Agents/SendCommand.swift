import Foundation
import MultiAgent

/// `multiagent send NAME [--wait|--follow] MESSAGE…`: a message to an agent, running or finished.
struct SendCommand: ParsableCommand {
  static let file = Option<String>("file", valueName: "file", help: "Read the message from this file.")
  static let wait = Flag("wait", help: "Wait until the agent settles; exit like `wait`.")
  static let follow = Flag("follow", help: "Stream the agent's log until it settles; exit like `wait`.")
  static let requestID = Option<String>(
    "request-id", valueName: "id",
    help: "Send this message at most once: sending again with the same id changes nothing (for retries).")
  static let message = Argument(
    name: "message", help: "The message, as words joined by spaces, or - to read it from stdin.",
    arity: .variadic)

  static let configuration = CommandConfiguration(
    name: "send",
    abstract: "Send a message to an agent: now if it runs live, else with its next turn.",
    discussion: """
      A running agent whose CLI has a live channel (claude) gets the message at once; Claude queues
      it for the next turn of the same run. A running agent without one (and a queued, starting or
      account-waiting one) gets it when its run ends, by resuming the same session with it. A
      completed, failed, stopped or crashed agent is resumed with the message as a new turn: a
      follow-up task in the same session and worktree, on the same account rules as `answer`. An
      agent waiting for input is answered instead (`multiagent answer`). Messages not yet delivered
      survive a crash. With --json, the agent's record. With --request-id, a message already sent
      under that id is not sent again (exit 0): a script that lost the reply may retry. An agent on
      a host that cannot be reached gets the message when the host answers again (exactly once);
      until then it is kept here.

      Inside an agent: only to its own children.

      Exit codes: 0 sent (with --wait/--follow: as `multiagent wait`), 1 failure, 2 usage error,
      77 forbidden.
      """,
    options: [file, wait, AgentOutput.timeout, follow, requestID],
    arguments: [AgentOutput.agentArgument, message]
  )

  let reference: String
  let words: [String]
  let filePath: String?
  let waits: Bool
  let follows: Bool
  let timeout: Duration?
  let request: String?

  init(arguments: ParsedArguments) throws {
    reference = arguments.argument(AgentOutput.agentArgument) ?? ""
    words = arguments.arguments(Self.message)
    filePath = try arguments.value(Self.file)
    waits = arguments.isSet(Self.wait)
    follows = arguments.isSet(Self.follow)
    request = try arguments.value(Self.requestID)
    timeout = try arguments.value(AgentOutput.timeout)?.secondsDuration
    if filePath != nil && !words.isEmpty {
      throw CLIError.usage("conflicting_options", "give the message either as words or with --file, not both")
    }
    if filePath == nil && words.isEmpty {
      throw CLIError.usage(
        "missing_message", "missing message", hint: "usage: multiagent send NAME MESSAGE… | --file FILE | -")
    }
    if waits && follows {
      throw CLIError.usage("conflicting_options", "--wait and --follow cannot be used together")
    }
    if timeout != nil && !waits && !follows {
      throw CLIError.usage("conflicting_options", "--timeout needs --wait or --follow")
    }
  }

  func run(context: CommandContext) async throws -> ExitCode {
    let text = try readMessage()
    if let (hosts, agent) = RemoteAgentOutput.lookup(reference, context) {
      return try await RemoteAgentOutput.send(
        agent, hosts: hosts, message: text, requestID: request, wait: waits, follow: follows,
        timeout: timeout,
        context: context)
    }
    let manager = try context.agentManager()
    let record =
      if let request { try manager.send(reference, message: text, requestID: request).0 } else {
        try manager.send(reference, message: text).0
      }
    if waits {
      if !context.json { context.console.write(record.name + "\n") }
      let settled = try await manager.wait(record.id, timeout: timeout)
      return AgentOutput.reportSettled(settled, context: context)
    }
    AgentOutput.reportStarted(record, context: context)
    if follows {
      let settled = try await AgentOutput.followLog(
        of: record, manager: manager, raw: false, context: context, follow: true, timeout: timeout)
      return AgentOutput.exitCode(for: settled.status)
    }
    return .success
  }

  private func readMessage() throws -> String {
    if let filePath {
      return String(decoding: try UserFile.read(filePath, as: "the message file"), as: UTF8.self)
    }
    if words == ["-"] {
      return String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
    }
    return words.joined(separator: " ")
  }
}
