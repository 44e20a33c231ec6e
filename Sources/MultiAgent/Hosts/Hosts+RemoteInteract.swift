import JSONKit

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// Talking to a remote agent through its host's multiagent: its questions, answers and messages.
/// What the user wrote travels on the SSH connection's standard input, never on a command line.
extension Hosts {
  /// The questions `agent` waits on, as its host's `questions --json` gives them (an array).
  ///
  /// - Throws: ``HostError`` when the host cannot be used, ``RemoteCommandError`` when its
  ///   multiagent refuses.
  public func remoteQuestions(_ agent: RemoteAgent, timeout: Duration = .seconds(30)) async throws
    -> JSONValue
  {
    let text = try await forward(
      RemoteScripts.multiagent, ["--json", "questions", agent.remoteID], of: agent, timeout: timeout)
    return (try? JSONParser.parse(Array(text.utf8))) ?? .array([])
  }

  /// Answers `agent`'s questions on its host (optionally moving it to `provider` there), and
  /// returns it refreshed. The answer is kept here first (``RemoteOutbox``): a host that cannot be
  /// reached gets it when it answers again (``deliverKept(to:timeout:)``, run by every refresh),
  /// once — the host applies each request id at most once.
  ///
  /// - Parameter requestID: the id to apply it under (a new one when nil).
  /// - Throws: ``HostError`` when the host cannot be used other than by being unreachable,
  ///   ``RemoteCommandError`` when its multiagent refuses (the answer is not kept then).
  public func answerRemote(
    _ agent: RemoteAgent, _ answers: Answers, provider: String? = nil, requestID: String? = nil,
    timeout: Duration = .seconds(30)
  ) async throws -> RemoteRequestOutcome {
    let payload: String
    let freeText: Bool
    switch answers {
    case .byID(let byID):
      let keys = byID.keys.sorted()
      payload = JSONWriter.string(.object(JSONObject(keys: keys, values: keys.map { .string(byID[$0]!) })))
      freeText = false
    case .freeText(let text):
      payload = text
      freeText = true
    }
    let request = RemoteRequest(
      id: requestID ?? Self.newRequestID(), host: agent.host, agent: agent.name, remoteID: agent.remoteID,
      kind: .answer, freeText: freeText, provider: provider, payload: payload,
      createdAt: Date().timeIntervalSince1970)
    return try await submit(request, of: agent, timeout: timeout)
  }

  /// Sends `message` to `agent` on its host (`send NAME -`), kept and delivered as
  /// ``answerRemote(_:_:provider:requestID:timeout:)`` keeps and delivers answers.
  ///
  /// - Throws: as ``answerRemote(_:_:provider:requestID:timeout:)``.
  public func sendRemote(
    _ agent: RemoteAgent, message: String, requestID: String? = nil, timeout: Duration = .seconds(30)
  ) async throws -> RemoteRequestOutcome {
    let request = RemoteRequest(
      id: requestID ?? Self.newRequestID(), host: agent.host, agent: agent.name, remoteID: agent.remoteID,
      kind: .send, freeText: false, provider: nil, payload: message, createdAt: Date().timeIntervalSince1970)
    return try await submit(request, of: agent, timeout: timeout)
  }

  /// Delivers the answers and messages kept for `host`, oldest first, and stops at the first one
  /// the host cannot be reached for. One the host refuses (its agent no longer waits, or is gone)
  /// moves to `<home>/outbox/refused/`, where the user can read it.
  public func deliverKept(to host: RemoteHost, timeout: Duration = .seconds(30)) async {
    for request in outbox.pending(host: host.name) {
      guard let agent = try? remoteAgents.agent(request.agent), agent.remoteID == request.remoteID else {
        outbox.refuse(request)
        continue
      }
      do {
        try await deliver(request, of: agent, timeout: timeout)
        outbox.remove(request)
        try? remoteAgents.save(resumed(agent))
      } catch let error as HostError where error.code == .unreachable {
        return
      } catch {
        outbox.refuse(request)
      }
    }
  }

  /// Keeps `request`, then tries to deliver it now.
  private func submit(_ request: RemoteRequest, of agent: RemoteAgent, timeout: Duration) async throws
    -> RemoteRequestOutcome
  {
    try outbox.keep(request)
    do {
      try await deliver(request, of: agent, timeout: timeout)
    } catch let error as HostError where error.code == .unreachable {
      // It may have reached the host all the same: its branch is fetched again once it settles.
      try? remoteAgents.save(resumed(agent))
      return RemoteRequestOutcome(view: stale(resumed(agent), error), queued: error, requestID: request.id)
    } catch {
      outbox.remove(request)
      throw error
    }
    outbox.remove(request)
    return RemoteRequestOutcome(view: await refresh(resumed(agent)), queued: nil, requestID: request.id)
  }

  /// Runs `request` on its host under its id.
  private func deliver(_ request: RemoteRequest, of agent: RemoteAgent, timeout: Duration) async throws {
    switch request.kind {
    case .answer:
      var arguments = [request.remoteID, request.freeText ? "text" : "file", "--request-id", request.id]
      if let provider = request.provider { arguments += ["--provider", provider] }
      _ = try await forward(
        RemoteScripts.answer, arguments, of: agent, input: Array(request.payload.utf8), timeout: timeout)
    case .send:
      _ = try await forward(
        RemoteScripts.multiagent, ["--json", "send", request.remoteID, "--request-id", request.id, "-"],
        of: agent, input: Array(request.payload.utf8), timeout: timeout)
    }
  }

  /// A new request id: 32 random hex digits.
  static func newRequestID() -> String {
    var generator = SystemRandomNumberGenerator()
    return (0..<2).map { _ in
      let hex = String(generator.next() as UInt64, radix: 16)
      return String(repeating: "0", count: 16 - hex.count) + hex
    }.joined()
  }

  /// `agent` resumed: its branch moves again, so it is fetched again once it settles.
  private func resumed(_ agent: RemoteAgent) -> RemoteAgent {
    var agent = agent
    agent.fetched = false
    return agent
  }

  /// Runs `script` with `arguments` on `agent`'s host; a failure of the host's multiagent is
  /// thrown as what it said.
  func forward(
    _ script: String, _ arguments: [String], of agent: RemoteAgent, input: [UInt8]? = nil, timeout: Duration
  ) async throws -> String {
    let host = try remoteHost(of: agent)
    let output = try await ssh.run(
      host, remoteCommand: ShellQuoting.shellScript(script, arguments: arguments), input: input,
      timeout: timeout)
    switch output.exit {
    case .exited(0): return output.standardOutputText
    case .exited(127):
      throw HostError(.notInstalled, host: host.name, "multiagent is not installed on host \(host.name)")
    case .exited(let code):
      throw RemoteCommandError.parse(
        standardOutput: output.standardOutputText, standardError: output.standardErrorText, exitCode: code,
        host: host.name)
    default:
      throw HostError(
        .remoteFailed, host: host.name,
        "on host \(host.name): multiagent ended (\(output.exit)): "
          + Self.remoteMessage(output.standardErrorText))
    }
  }
}

/// What became of an answer or a message for a remote agent.
public struct RemoteRequestOutcome: Sendable {
  /// The agent: refreshed from its host when the host has the request, else as last seen.
  public var view: RemoteAgentView
  /// Why the host could not be reached: the request is kept here and delivered when it answers
  /// again. `nil` when the host has it.
  public var queued: HostError?
  /// The id the host applies it under.
  public var requestID: String
}
