import ProviderKit

extension AgentManager {
  /// A session id of the right shape, for checking a continuation whose real id is not known yet.
  private static let placeholderSessionID = "00000000-0000-4000-8000-000000000000"

  /// Refuses, before anything changes, a run whose prompt the provider's CLI could not be given:
  /// one over ``LongPromptDelivery/argumentLimit`` bytes for a CLI that takes its prompt only as an
  /// argument (Linux would refuse to start it: "Argument list too long"). A provider that takes
  /// long prompts on standard input (``ProviderDefinition/longPrompt``) passes.
  ///
  /// The run is checked as it starts and as it would go on on another account after a usage limit
  /// (a resume with the request wrapped in the continuation prompt): both must fit, so that no
  /// agent is accepted only to fail later.
  ///
  /// - Parameters:
  ///   - plan: the run about to be planned (a spawn, or the resume that carries answers).
  ///   - field: what is too long, for the error's facts: `prompt` or `answer`.
  ///   - what: the subject of the error's sentence (`the prompt`).
  /// - Throws: ``AgentError/Code/promptTooLong`` saying the size, the limit and why.
  static func checkPromptFits(
    _ plan: RunPlan, provider: any AgentProvider, workingDirectory: String, field: String, what: String
  ) throws(AgentError) {
    let continuation = plan.continuation(sessionID: plan.sessionID ?? placeholderSessionID)
    for run in [plan, continuation] where !fits(run, provider: provider, workingDirectory: workingDirectory) {
      let size = plan.prompt.utf8.count
      let limit = LongPromptDelivery.argumentLimit
      let continued =
        run == plan ? "" : " (\(run.prompt.utf8.count) when continued on another account after a usage limit)"
      throw AgentError(
        .promptTooLong,
        "\(what) is \(size) bytes\(continued), over the limit of \(limit) bytes for a command-line argument, "
          + "and provider \(provider.name) takes its prompt only as an argument",
        facts: [
          "field": field, "provider": provider.name, "bytes": String(run.prompt.utf8.count),
          "limit": String(limit),
        ])
    }
  }

  /// Whether the provider can be given `run`'s prompt: its command builds without
  /// ``ProviderError/Code/promptTooLong`` and puts no argument over the limit in argv (a provider
  /// in code may build its command its own way). Other build errors are not this check's to judge:
  /// they show when the run starts, as before.
  private static func fits(_ run: RunPlan, provider: any AgentProvider, workingDirectory: String) -> Bool {
    let request = CommandRequest(prompt: run.prompt, workingDirectory: workingDirectory)
    let command: CommandSpec
    do {
      switch run.kind {
      case .spawn: command = try provider.spawnCommand(for: request, sessionID: run.sessionID)
      case .resume:
        command = try provider.resumeCommand(for: request, sessionID: run.sessionID ?? placeholderSessionID)
      }
    } catch {
      return error.code != .promptTooLong
    }
    return !command.arguments.contains { $0.utf8.count > LongPromptDelivery.argumentLimit }
  }
}
