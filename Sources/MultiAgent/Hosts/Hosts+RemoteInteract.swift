import JSONKit

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
  /// returns it refreshed.
  ///
  /// - Throws: as ``remoteQuestions(_:timeout:)``; the host's error when it cannot be answered.
  public func answerRemote(
    _ agent: RemoteAgent, _ answers: Answers, provider: String? = nil, timeout: Duration = .seconds(30)
  ) async throws -> RemoteAgentView {
    let input: String
    var arguments = [agent.remoteID]
    switch answers {
    case .byID(let byID):
      let keys = byID.keys.sorted()
      input = JSONWriter.string(.object(JSONObject(keys: keys, values: keys.map { .string(byID[$0]!) })))
      arguments.append("file")
    case .freeText(let text):
      input = text
      arguments.append("text")
    }
    if let provider { arguments += ["--provider", provider] }
    _ = try await forward(
      RemoteScripts.answer, arguments, of: agent, input: Array(input.utf8), timeout: timeout)
    return await refresh(resumed(agent))
  }

  /// Sends `message` to `agent` on its host (`send NAME -`), and returns it refreshed.
  ///
  /// - Throws: as ``answerRemote(_:_:provider:timeout:)``.
  public func sendRemote(_ agent: RemoteAgent, message: String, timeout: Duration = .seconds(30))
    async throws -> RemoteAgentView
  {
    _ = try await forward(
      RemoteScripts.multiagent, ["--json", "send", agent.remoteID, "-"], of: agent,
      input: Array(message.utf8), timeout: timeout)
    return await refresh(resumed(agent))
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
