import Foundation
import JSONKit
import ProviderKit

#if canImport(Glibc)
  import Glibc
#endif

/// Continuing an agent on another provider when its own cannot go on: every account exhausted
/// with the earliest reset further away than `rotation.fallbackAfter`, the CLI missing or failing
/// to start, or no usable login. The agent keeps its id, name, worktree, branch and parent; the new
/// provider starts a session of its own with a ``HandoffPrompt``, and the agent stays there (no
/// flapping back) unless the user moves it.
struct ProviderFallback {
  let home: StateHome
  let agentID: String
  let store: AgentStore
  let registry: ProviderRegistry
  let paths: AgentPaths
  let logger: any AgentLogger

  init(
    home: StateHome, agentID: String, store: AgentStore, registry: ProviderRegistry, logger: any AgentLogger
  ) {
    self.home = home
    self.agentID = agentID
    self.store = store
    self.registry = registry
    self.paths = AgentPaths(home: home, id: agentID)
    self.logger = logger
  }

  /// The provider after the agent's current one in its fallback list (a provider no longer defined
  /// is skipped), or `nil` when there is none.
  func next(after record: AgentRecord) -> (any AgentProvider)? {
    let chain = record.fallback
    let start = chain.firstIndex(of: record.provider).map { $0 + 1 } ?? 0
    guard start < chain.count else { return nil }
    for name in chain[start...] {
      if let provider = try? registry.provider(named: name) { return provider }
      logger.warning(
        "fallback provider \(name) is no longer defined; skipping it", agent: agentID, error: nil)
    }
    return nil
  }

  /// How far away the earliest reset must be for the agent to fall back rather than wait.
  var fallbackAfter: TimeInterval {
    (try? RotationSettings.load(home: home))?.fallbackAfter ?? RotationSettings.defaultFallbackAfter
  }

  /// Moves the agent to `next`: the record (provider, a new session, no account, the old
  /// provider's model and arguments dropped), the run plan (a handoff prompt), a
  /// `provider_switched` event saying why, and a line in the output log.
  ///
  /// - Parameter plan: the plan of the run that could not go on (its request may be in progress).
  /// - Returns: the plan for the first run on `next`.
  func switchProvider(
    from current: any AgentProvider, to provider: any AgentProvider, reason: String, plan: RunPlan?
  ) throws -> RunPlan {
    guard let record = try StoreRetry.record(of: agentID, in: store, logger: logger) else {
      throw AgentError(.notFound, "agent \(agentID) is gone")
    }
    var handoff = handoff(from: current, reason: reason, record: record)
    if let plan { handoff.interrupted = interrupted(plan, answers: handoff.answers) }
    let prompt = handoff.text + QuestionProtocol.preamble(signalFile: paths.signalFile)
    let next = RunPlan(
      kind: .spawn, prompt: prompt, sessionID: provider.newPinnedSessionID(), isFirstTurn: true)
    try next.write(to: paths.runPlan)
    let switched = noteSwitch(
      record, from: current.name, to: provider.name, reason: reason,
      note: "\(current.name) cannot go on (\(reason)); continuing on \(provider.name) in the same worktree")
    guard try moveRecord(from: record.provider, to: provider.name, recording: switched) else {
      throw AgentError(.invalidState, "agent \(agentID) left \(record.provider) meanwhile")
    }
    return next
  }

  /// Moves the record from provider `from` to `to` (a new session, no account, the old provider's
  /// model and arguments dropped) and records `event` (the `provider_switched` event) in the same
  /// write, retried while the store cannot take it (``StoreRetry``). Keyed by the provider it moves
  /// from: a retry after a reply lost with the connection finds the agent on `to` already and
  /// leaves it, recording the event once.
  ///
  /// - Returns: whether the agent is on `to` now (not when someone moved it elsewhere meanwhile).
  func moveRecord(from: String, to: String, recording event: EventDraft) throws -> Bool {
    try StoreRetry.untilWritten(agentID: agentID, logger: logger) {
      try store.update(id: agentID, alsoRecording: event) { record in
        guard record.provider == from else { return }
        record.provider = to
        record.sessionID = nil
        record.account = nil
        record.accountPinned = false
        record.model = nil
        record.extraArguments = []
        record.result = nil
        record.error = nil
      }.provider == to
    }
  }

  /// What multiagent knows of the work so far, for the provider that takes it over.
  func handoff(from current: any AgentProvider, reason: String, record: AgentRecord) -> HandoffPrompt {
    var handoff = HandoffPrompt(fromProvider: current.name, reason: reason, task: originalTask())
    handoff.answers = answers()
    (handoff.gitStatus, handoff.diffStat) = changes(record)
    handoff.add(events: events(of: current, from: lastSwitchOffset(), to: record.parseOffset))
    return handoff
  }

  /// The session the agent had on `provider` when it last left it, and the account that served it
  /// (where its transcript is), if it did.
  func earlierSession(on provider: String) -> (session: String, account: String?)? {
    let events = (try? store.events(agentID: agentID)) ?? []
    let left = events.last { $0.type == .providerSwitched && $0.data?["from"]?.stringValue == provider }
    guard let data = left?.data, let session = data["from_session_id"]?.stringValue else { return nil }
    return (session, data["from_account"]?.stringValue)
  }

  /// Notes a switch away from `record` (as it was before) in the output log, and returns the
  /// `provider_switched` event to record with the move, in the same write: the event says where
  /// the next provider's output starts, which reading the log and a later way back rely on.
  func noteSwitch(_ record: AgentRecord, from: String, to: String, reason: String, note: String) -> EventDraft
  {
    let logOffset = noteInLog("[multiagent] " + note)
    var data = JSONObject(
      keys: ["from", "to", "reason"],
      values: [.string(from), .string(to), .string(reason)])
    data["from_session_id"] = record.sessionID.map { .string($0) } ?? .null
    data["from_account"] = record.account.map { .string($0) } ?? .null
    data["log_offset"] = .number(Double(logOffset ?? record.parseOffset))
    if record.model != nil || !record.extraArguments.isEmpty {
      data["dropped"] = .string("the \(from) model and arguments")
    }
    return EventDraft(type: .providerSwitched, message: "continuing on \(to): \(reason)", data: .object(data))
  }

  // MARK: What multiagent knows

  /// The task as the user gave it: the prompt file without the question protocol's instructions.
  private func originalTask() -> String {
    guard let data = FileSystem.contents(atPath: paths.prompt) else { return "(the task is lost)" }
    return withoutPreamble(String(decoding: data, as: UTF8.self))
  }

  /// What the plan's run was carrying: the task, the last answers, or another request.
  private func interrupted(_ plan: RunPlan, answers: [String]) -> HandoffPrompt.Interrupted {
    if plan.firstTurn { return .task }
    let request = withoutPreamble(plan.underlyingRequest)
    return request == answers.last ? .lastAnswers : .request(request)
  }

  /// `prompt` without the question protocol's instructions at its end.
  private func withoutPreamble(_ prompt: String) -> String {
    QuestionProtocol.withoutPreamble(prompt, signalFile: paths.signalFile)
  }

  /// The resume prompts of the answers given so far.
  private func answers() -> [String] {
    let events =
      logger.attempt("read the events", agent: agentID) { try store.events(agentID: agentID) } ?? []
    return events.compactMap { event in
      guard event.type == .statusChanged, event.fromStatus == .waitingForInput, event.toStatus == .starting
      else { return nil }
      return event.data?["prompt"]?.stringValue
    }
  }

  /// Where the output of the current provider's runs starts: the log offset of the last switch.
  private func lastSwitchOffset() -> Int64 {
    let events = (try? store.events(agentID: agentID)) ?? []
    let last = events.last { $0.type == .providerSwitched }
    return last?.data?["log_offset"]?.doubleValue.map { Int64($0) } ?? 0
  }

  /// `git status --short` and `git diff --stat <base>` of the agent's working directory.
  private func changes(_ record: AgentRecord) -> (status: String, diffStat: String) {
    guard let directory = record.worktreePath ?? record.cwd else { return ("", "") }
    let git = GitRunner()
    let status = (try? git.run(["status", "--short", "--untracked-files=all"], in: directory))
    var diff: GitRunner.Output?
    if let base = record.baseRef { diff = try? git.run(["diff", "--stat", base, "--"], in: directory) }
    return (
      status?.status == 0 ? status?.stdout ?? "" : "",
      diff?.status == 0 ? diff?.stdout ?? "" : ""
    )
  }

  /// The normalized events of the log between two offsets, parsed with `provider`'s parser.
  private func events(of provider: any AgentProvider, from start: Int64, to end: Int64) -> [AgentEvent] {
    var follower = OutputFollower(
      path: paths.outputLog, offset: start, parser: provider.makeParser(context: ParserContext()))
    follower.limit = end
    return follower.poll(final: true)
  }

  /// Appends a line to the output log between two runs.
  ///
  /// - Returns: the log's size after it: where the next provider's output starts.
  private func noteInLog(_ line: String) -> Int64? {
    logger.attempt("note the provider switch in \(paths.outputLog)", agent: agentID) {
      let descriptor = try FileSystem.openForAppending(paths.outputLog)
      let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
      try handle.write(contentsOf: Data((line + "\n").utf8))
      return Int64(lseek(descriptor, 0, SEEK_END))
    }
  }
}
