import JSONKit
import MultiAgent
import ProviderKit

/// `questions`, `answer` and `send` of agents that run on hosts: the host's multiagent does them,
/// the controller's row is refreshed afterwards, and the host's errors come back as they were.
extension RemoteAgentOutput {
  /// `questions NAME` of a remote agent.
  static func questions(_ agent: RemoteAgent, hosts: Hosts, context: CommandContext) async throws
    -> ExitCode
  {
    let value = try await hosts.remoteQuestions(agent)
    let questions = (value.arrayValue ?? []).map { item in
      PendingQuestion(
        id: item["id"]?.stringValue ?? "", question: item["question"]?.stringValue ?? "",
        options: (item["options"]?.arrayValue ?? []).compactMap(\.stringValue),
        header: item["header"]?.stringValue)
    }
    if context.json {
      AgentOutput.writeJSON(.array(questions.map(AgentOutput.json)), to: context.console)
    } else if questions.isEmpty {
      let view = await hosts.refresh(agent)
      let reason =
        view.status == .waitingForInput
        ? "it is waiting for input without specific questions; answer with free text"
        : "it is \(view.displayStatus)"
      context.console.write("\(agent.name) has no pending questions (\(reason))\n")
    } else {
      context.console.write(AgentOutput.text(of: questions))
    }
    return .success
  }

  /// `answer NAME …` of a remote agent.
  static func answer(
    _ agent: RemoteAgent, hosts: Hosts, answers: Answers, provider: String?, requestID: String?, wait: Bool,
    timeout: Duration?, context: CommandContext
  ) async throws -> ExitCode {
    let outcome = try await hosts.answerRemote(agent, answers, provider: provider, requestID: requestID)
    return try await settle(
      outcome, what: "answer", hosts: hosts, wait: wait, timeout: timeout, context: context)
  }

  /// `send NAME …` of a remote agent; `--follow` prints its log until it settles.
  static func send(
    _ agent: RemoteAgent, hosts: Hosts, message: String, requestID: String?, wait: Bool, follow: Bool,
    timeout: Duration?, context: CommandContext
  ) async throws -> ExitCode {
    let outcome = try await hosts.sendRemote(agent, message: message, requestID: requestID)
    guard follow else {
      return try await settle(
        outcome, what: "message", hosts: hosts, wait: wait, timeout: timeout, context: context)
    }
    noteQueued(outcome, what: "message", context: context)
    context.console.write(agent.name + "\n")
    _ = try await RemoteLogs.parsedLogs(agent, hosts: hosts, follow: true, context: context)
    return try await self.wait(agent, hosts: hosts, timeout: timeout, context: context, quiet: true)
  }

  /// Prints the agent as `answer` and `send` do, or waits for it (`--wait`). With `--json`, the
  /// record has `request_id` and `delivered` (false while the host could not be reached: the
  /// request is kept and delivered when it answers).
  private static func settle(
    _ outcome: RemoteRequestOutcome, what: String, hosts: Hosts, wait: Bool, timeout: Duration?,
    context: CommandContext
  ) async throws -> ExitCode {
    let view = outcome.view
    noteQueued(outcome, what: what, context: context)
    if wait {
      if !context.json { context.console.write(view.agent.name + "\n") }
      return try await self.wait(view.agent, hosts: hosts, timeout: timeout, context: context)
    }
    if context.json {
      var object = view.jsonValue.objectValue ?? JSONObject()
      object["request_id"] = .string(outcome.requestID)
      object["delivered"] = .bool(outcome.queued == nil)
      AgentOutput.writeJSON(.object(object), to: context.console)
    } else {
      context.console.write(view.agent.name + "\n")
    }
    return .success
  }

  /// Says on stderr that the host could not be reached and the request waits here.
  private static func noteQueued(_ outcome: RemoteRequestOutcome, what: String, context: CommandContext) {
    guard let error = outcome.queued else { return }
    context.console.writeError(
      "note: \(error.message); the \(what) is kept here and delivered to \(outcome.view.agent.name) once "
        + "host \(outcome.view.agent.host) answers (request id \(outcome.requestID))\n")
  }
}
