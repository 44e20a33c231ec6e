import Foundation
import ProcessKit
import ProviderKit

extension AgentManager {
  /// Starts an agent: validates everything first, then records it, makes its worktree and state
  /// directory, writes its prompt and its secret token, and starts its supervisor. Returns at once.
  ///
  /// With an agent's ``authority``, the new agent is that agent's child (``SpawnOptions/parentID``
  /// may only name it). A parent must exist and not have finished.
  ///
  /// When the limits of `<home>/config.json` (see ``SchedulingLimits``) leave no slot free, the
  /// agent is recorded as `queued` with its files and run plan made, and no supervisor; it starts
  /// when a slot frees (see ``startQueued()``).
  ///
  /// - Parameters:
  ///   - maxRunning: the global limit to use for this agent instead of the configured one.
  ///   - pending: a supervisor started ahead (``prelaunchSupervisor(_:home:provider:)``): the agent gets
  ///     its id and it starts the CLI; without one, a supervisor is started at the end.
  /// - Returns: the agent's record (status `starting`, or `queued`).
  /// - Throws: ``AgentError`` saying what is wrong (an invalid `config.json` too); nothing is left
  ///   half-made.
  public func spawn(
    _ options: SpawnOptions, maxRunning: Int? = nil, supervisor pending: PendingSupervisor? = nil
  ) throws(AgentError) -> AgentRecord {
    // A pending supervisor not told to go by the end (a failure, a queued agent) exits unused.
    var started = false
    defer { if !started { pending?.cancel() } }
    // 1. Validate everything before anything is created, the prompt as the CLI will get it too.
    let plan = try validate(options, maxRunning: maxRunning)
    let id = pending?.agentID ?? AgentRecord.newID()
    let paths = AgentPaths(home: home, id: id)
    let runPlan = RunPlan(
      kind: .spawn, prompt: Self.fullPrompt(of: plan, paths: paths),
      sessionID: plan.provider.newPinnedSessionID(), isFirstTurn: true)
    try Self.checkPromptFits(
      runPlan, provider: plan.provider, workingDirectory: plan.cwd, field: "prompt",
      what: "the prompt with the instructions multiagent adds")
    // 2. Record it (the unique name is claimed here, atomically). Under limits it is recorded as
    // queued, and admitted (or left queued) once its run plan is written.
    let (record, token) = try record(plan, id: id, pending: pending)
    // 3. Make its files and worktree, then start it; undo everything if any step fails.
    var madeWorktree = false
    do {
      try prepareFiles(of: record, plan: plan, runPlan: runPlan, token: token, madeWorktree: &madeWorktree)
      if plan.scheduled {
        startQueued()
        if let current = try? store.agent(id: record.id), current.status == .crashed {
          throw AgentError(.process, current.error ?? "cannot start the supervisor")
        }
      } else if let pending {
        if pending.go() {
          started = true
        } else if let current = try? store.agent(id: record.id), current.supervisor == pending.identity,
          claimRepair(of: current)
        {
          // The supervisor started ahead died: start another, unless a reconcile already did.
          try startSupervisor(for: record.id)
        }
      } else {
        try startSupervisor(for: record.id)
      }
    } catch {
      undoSpawn(record, repository: madeWorktree ? plan.repository : nil)
      if let error = error as? AgentError { throw error }
      throw AgentError(.invalidPath, "cannot prepare the agent: \(error.localizedDescription)")
    }
    // Told to go, the supervisor may record its CLI any moment: the record is returned as this spawn
    // made it (`starting`), not as a race with the supervisor left it. Otherwise it is read again
    // (a queued agent may have been admitted; a supervisor started here recorded itself).
    if started { return record }
    return (try? store.agent(id: record.id)) ?? record
  }

  /// Stores the agent of a validated spawn.
  ///
  /// - Returns: the record as stored, and the agent's secret token (only its hash is stored).
  private func record(_ plan: SpawnPlan, id: String, pending: PendingSupervisor?) throws(AgentError) -> (
    AgentRecord, String
  ) {
    let options = plan.options
    let name: String
    if let chosen = options.name {
      name = chosen
    } else {
      // A generated name is free in the store and, for a worktree, free as a branch in the repository
      // too (a branch kept by `delete --keep-branch`, or left by another home, would refuse it).
      let branches = plan.repository.flatMap { repository in
        plan.commonGitDirectory.map { BranchLookup(repository: repository, commonDirectory: $0) }
      }
      name = AgentNames.generate { [store] candidate in
        (try? store.nameIsTaken(candidate)) ?? false || branches?.contains("multiagent/" + candidate) == true
      }
    }
    let worktreePath = options.useWorktree ? home.worktreesDirectory + "/" + name : nil
    let record = AgentRecord(
      id: id, name: name, provider: plan.provider.name, account: plan.accountID, model: options.model,
      taskID: options.taskID, parentID: options.parentID, status: plan.scheduled ? .queued : .starting,
      promptSummary: Self.summary(plan.prompt), cwd: plan.cwd, worktreePath: worktreePath,
      branch: options.useWorktree ? "multiagent/" + name : nil, baseRef: plan.baseCommit,
      createdWorktree: options.useWorktree, createdBranch: options.useWorktree,
      extraArguments: options.extraArguments,
      // Until its supervisor runs, the spawning process stands in for it: reconcile leaves an agent
      // alone while this process lives (a slow `git worktree add` is not a crash), and repairs it
      // when this process died half-way. A pending supervisor is recorded at once; it waits for the
      // word while this process works.
      supervisor: plan.scheduled ? nil : pending?.identity ?? (try? ProcessInspector().currentIdentity()),
      accountPinned: plan.accountID != nil && !options.rotate, detachedFromParent: options.detachFromParent,
      fallback: plan.fallback,
      reportsToParent: options.parentID != nil && (options.reportToParent ?? (authority.agentID != nil)),
      // Its worktree and files are made here, and here it is supervised (queued, until a controller
      // admits it: that one's machine then).
      machine: machine)
    let token = AgentToken.generate()
    do {
      return (try store.create(record, tokenHash: AgentToken.hash(token), requireLiveParent: true), token)
    } catch {
      switch error.code {
      case .nameTaken:
        throw AgentError(.nameTaken, "an agent named \(name) already exists", facts: ["field": "name"])
      case .notFound: throw AgentError(.notFound, error.message)
      case .constraint: throw AgentError(.invalidState, error.message)
      default: throw AgentError(.store, error.description, underlying: error)
      }
    }
  }

  /// The prompt the agent's CLI gets: the task, the list of its input files (as they will be copied
  /// into `paths`) and the question-protocol preamble.
  private static func fullPrompt(of plan: SpawnPlan, paths: AgentPaths) -> String {
    var task = plan.prompt
    if !plan.inputs.isEmpty {
      let listed = plan.inputs.map { "- " + paths.inputs + "/" + $0.name }
      task += "\n\nContext files for this task:\n" + listed.joined(separator: "\n")
    }
    return task + QuestionProtocol.preamble(signalFile: paths.signalFile)
  }

  /// Makes the agent's state directory, token file, worktree, input copies and prompt, and — last,
  /// because a queued agent with one is ready to be started by anyone — its run plan.
  private func prepareFiles(
    of record: AgentRecord, plan: SpawnPlan, runPlan: RunPlan, token: String, madeWorktree: inout Bool
  ) throws {
    let paths = AgentPaths(home: home, id: record.id)
    // A spare folder holds the files written below, empty: none has to be created (see
    // `SpareDirectories`). Nothing reads them before the run plan exists.
    if !SpareDirectories.take(home: home, as: paths.directory) {
      try FileSystem.makePrivateDirectory(paths.directory)
    }
    try FileSystem.writeNew(token, to: paths.token)
    if let repository = plan.repository, let worktreePath = record.worktreePath, let branch = record.branch,
      let baseCommit = plan.baseCommit
    {
      try FileSystem.makePrivateDirectory(home.worktreesDirectory)
      do {
        try Worktrees().add(
          repository: repository, path: worktreePath, branch: branch, base: baseCommit,
          commonDirectory: plan.commonGitDirectory)
        madeWorktree = true
      } catch { throw AgentError(.worktree, error.message) }
    }
    if !plan.inputs.isEmpty {
      try FileSystem.makePrivateDirectory(paths.inputs)
      for input in plan.inputs {
        _ = try input.copy(into: paths.inputs)
      }
    }
    try FileSystem.writeNew(runPlan.prompt, to: paths.prompt)
    if let maxRunning = plan.maxRunning {
      try FileSystem.writeSecure("\(maxRunning)\n", to: Self.maxRunningFile(home: home, id: record.id))
    }
    try runPlan.write(to: paths.runPlan, staging: SpareDirectories.runPlanStaging(paths))
  }

  /// Removes what a failed spawn made. `repository` is given only when this spawn created the
  /// worktree and its branch: a branch that was there before (say, kept by `delete --keep-branch`)
  /// is never touched.
  private func undoSpawn(_ record: AgentRecord, repository: String?) {
    let worktrees = Worktrees()
    let id = record.id
    if let repository, let path = record.worktreePath, FileSystem.exists(path) {
      logger.attempt("remove the worktree \(path) of a failed spawn", agent: id) {
        try worktrees.remove(repository: repository, path: path)
      }
    }
    if let repository, let branch = record.branch {
      logger.attempt("delete the branch \(branch) of a failed spawn", agent: id) {
        try worktrees.deleteBranch(branch, in: repository)
      }
    }
    logger.attempt("remove the state directory of a failed spawn", agent: id) {
      try FileManager.default.removeItem(atPath: AgentPaths(home: home, id: id).directory)
    }
    logger.attempt("delete the record of a failed spawn", agent: id) { try store.delete(id: id) }
  }

  static func summary(_ prompt: String) -> String {
    let line = prompt.split(whereSeparator: \.isNewline).first.map(String.init) ?? prompt
    return line.count > 120 ? String(line.prefix(117)) + "…" : line
  }
}

// MARK: - Validation

/// A spawn whose every input was checked: what ``AgentManager/spawn(_:maxRunning:supervisor:)``
/// records and prepares once nothing can be wrong any more.
struct SpawnPlan {
  /// The options, with the parent the authority implies.
  var options: SpawnOptions
  var provider: any AgentProvider
  /// The prompt without surrounding whitespace (never empty).
  var prompt: String
  /// The account `--account` named, if any.
  var accountID: String?
  /// The absolute working directory.
  var cwd: String
  /// The input files, checked to be regular files.
  var inputs: [InputFile]
  /// The repository whose worktree the agent gets, and the commit it starts from.
  var repository: String?
  var baseCommit: String?
  /// The repository's common git directory, where its worktree lock is.
  var commonGitDirectory: String?
  /// The spawn's own global limit (`--max-running`).
  var maxRunning: Int?
  /// Whether limits apply, so that the agent is recorded as queued.
  var scheduled: Bool
  /// The providers it falls back to, checked to exist.
  var fallback: [String] = []
}

extension AgentManager {
  /// Checks everything a spawn needs before anything is created: the parent and authority, the
  /// provider and its installed CLI, the prompt, the name, the account, the paths, the repository
  /// and base, and the limits.
  func validate(_ options: SpawnOptions, maxRunning: Int?) throws(AgentError) -> SpawnPlan {
    let options = try withParent(options)
    let provider: any AgentProvider
    do { provider = try registry.provider(named: options.provider) } catch {
      throw AgentError(.unknownProvider, error.message, underlying: error)
    }
    let prompt = options.prompt.trimmedOfWhitespaceAndNewlines
    guard !prompt.isEmpty else {
      throw AgentError(.missingPrompt, "the prompt is empty; say what the agent should do")
    }
    // A CLI's argv cannot carry a NUL byte; never echo the prompt, which may be megabytes long.
    if let nul = prompt.utf8.firstIndex(of: 0) {
      let offset = prompt.utf8.distance(from: prompt.utf8.startIndex, to: nul)
      throw AgentError(
        .invalidPrompt, "the prompt contains a NUL byte (at byte \(offset)); a prompt must be text",
        facts: ["field": "prompt"])
    }
    if let name = options.name, let problem = AgentNames.problem(with: name) {
      throw AgentError(.invalidName, problem)
    }
    let settings = try RotationSettings.load(home: home)
    _ = try QuestionSettings.load(home: home)
    let fallback = try fallbackProviders(
      options.fallback ?? settings.fallback[provider.name] ?? [], of: provider)
    // A missing CLI is refused, unless a fallback provider's is there to continue on.
    if !isInstalled(provider), !fallback.contains(where: { isInstalled($0) }) {
      throw AgentError(
        .binaryNotFound,
        "\(provider.definition.binary) (the \(provider.name) CLI) is not on PATH; install it, or set "
          + "\"binary\" for \(provider.name) in \(home.providersFile)")
    }
    let accountID = try options.account.map { reference throws(AgentError) in
      try AccountBroker(home: home, sharing: store, logger: logger).resolve(
        reference, provider: provider.name
      ).id
    }
    let cwd = FileSystem.absolute(options.cwd ?? FileSystem.currentDirectory)
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: cwd, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw AgentError(.invalidPath, "\(cwd) is not a directory", facts: ["field": "cwd"])
    }
    let inputs = try options.inputFiles.map { file throws(AgentError) in try InputFile(checking: file) }
    var location: RepositoryLocation?
    if options.useWorktree {
      do { location = try Worktrees().locate(cwd, base: options.base ?? "HEAD") } catch {
        throw AgentError(.worktree, error.message, underlying: error)
      }
    }
    let limits = try schedulingLimits()
    if let maxRunning, maxRunning < 1 {
      throw AgentError(.invalidState, "the global limit must be at least 1", facts: ["field": "maxRunning"])
    }
    return SpawnPlan(
      options: options, provider: provider, prompt: prompt, accountID: accountID, cwd: cwd, inputs: inputs,
      repository: location?.root, baseCommit: location?.baseCommit,
      commonGitDirectory: location?.commonDirectory, maxRunning: maxRunning,
      scheduled: maxRunning != nil || !limits.isUnlimited, fallback: fallback.map(\.name))
  }

  /// The fallback providers, checked: each defined, none the agent's own, none twice.
  private func fallbackProviders(_ names: [String], of provider: any AgentProvider) throws(AgentError)
    -> [any AgentProvider]
  {
    var seen: Set<String> = [provider.name]
    var providers: [any AgentProvider] = []
    for name in names {
      let fallback: any AgentProvider
      do { fallback = try registry.provider(named: name) } catch {
        throw AgentError(
          .unknownProvider, "fallback provider: \(error.message)", facts: ["field": "fallback"],
          underlying: error)
      }
      guard seen.insert(fallback.name).inserted else {
        throw AgentError(
          .invalidState,
          "fallback provider \(fallback.name) is "
            + (fallback.name == provider.name ? "the agent's own provider" : "named twice"),
          facts: ["field": "fallback"])
      }
      providers.append(fallback)
    }
    return providers
  }

  /// Whether the provider's CLI is on PATH (with its own environment).
  func isInstalled(_ provider: any AgentProvider) -> Bool {
    var environment = ProcessEnvironment.current
    environment.merge(provider.definition.environment) { _, new in new }
    return ProviderInspector(environment: environment).locate(provider.definition) != nil
  }

  /// The options with the parent set by the authority (an agent spawns its own children only),
  /// checked to exist and still be alive.
  private func withParent(_ options: SpawnOptions) throws(AgentError) -> SpawnOptions {
    var options = options
    if let agentID = authority.agentID {
      if let parentID = options.parentID, parentID != agentID {
        throw AgentError(
          .forbidden, "an agent can spawn only its own children, not children of another agent")
      }
      options.parentID = agentID
    }
    if options.detachFromParent && options.parentID == nil {
      throw AgentError(
        .invalidState, "an agent detached from its parent needs a parent", facts: ["field": "parent"])
    }
    if let parentID = options.parentID {
      let parent = try storeCall { try store.agent(id: parentID) }
      guard let parent else {
        throw AgentError(.notFound, "parent agent \(parentID.prefix(80)) does not exist")
      }
      guard !parent.status.isTerminal else {
        throw AgentError(
          .invalidState,
          "parent agent \(parent.name) is \(parent.status.rawValue); a finished agent cannot get children")
      }
    }
    return options
  }
}
