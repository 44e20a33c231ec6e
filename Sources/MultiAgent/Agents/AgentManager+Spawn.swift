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
  /// when a slot frees (see ``startQueued(overrides:)``).
  ///
  /// - Parameters:
  ///   - maxRunning: the global limit to use for this agent instead of the configured one.
  ///   - pending: a supervisor started ahead (``prelaunchSupervisor(arguments:)``): the agent gets
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
        .invalidState, "--detach-from-parent needs a parent (--parent, or spawn from inside an agent)")
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
    // 1. Validate everything before anything is created.
    let provider: any AgentProvider
    do { provider = try registry.provider(named: options.provider) } catch {
      throw AgentError(.unknownProvider, error.message)
    }
    let prompt = options.prompt.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !prompt.isEmpty else {
      throw AgentError(.missingPrompt, "the prompt is empty; say what the agent should do")
    }
    if let name = options.name, let problem = AgentNames.problem(with: name) {
      throw AgentError(.invalidName, problem)
    }
    var environment = ProcessEnvironment.current
    environment.merge(provider.definition.environment) { _, new in new }
    guard ProviderInspector(environment: environment).locate(provider.definition) != nil else {
      throw AgentError(
        .binaryNotFound,
        "\(provider.definition.binary) (the \(provider.name) CLI) is not on PATH; install it, or set "
          + "\"binary\" for \(provider.name) in \(home.providersFile)")
    }
    var accountID: String?
    if let reference = options.account {
      let account = try AccountBroker(home: home, sharing: store).resolve(reference, provider: provider.name)
      accountID = account.id
    }
    let cwd = FileSystem.absolute(options.cwd ?? FileSystem.currentDirectory)
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: cwd, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw AgentError(.invalidPath, "--cwd \(cwd) is not a directory")
    }
    var inputs: [String] = []
    for file in options.inputFiles {
      let path = FileSystem.absolute(file)
      var isDir: ObjCBool = false
      guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else {
        throw AgentError(.invalidPath, "input file \(file) does not exist or is not a file")
      }
      inputs.append(path)
    }
    let worktrees = Worktrees()
    var repository: String?
    var baseCommit: String?
    if options.useWorktree {
      do {
        let root = try worktrees.repositoryRoot(containing: cwd)
        repository = root
        baseCommit = try worktrees.resolveCommit(options.base ?? "HEAD", in: root)
      } catch { throw AgentError(.worktree, error.message) }
    }

    let limits = try schedulingLimits()
    if let maxRunning, maxRunning < 1 {
      throw AgentError(.invalidState, "--max-running must be at least 1")
    }
    let scheduled = maxRunning != nil || !limits.isUnlimited

    // 2. Record it (the unique name is claimed here, atomically). Under limits it is recorded as
    // queued, and admitted (or left queued) once its run plan is written.
    let id = pending?.agentID ?? AgentRecord.newID()
    let name: String
    if let chosen = options.name {
      name = chosen
    } else {
      name = AgentNames.generate { [store] candidate in (try? store.agent(named: candidate)) != nil }
    }
    let worktreePath = options.useWorktree ? home.worktreesDirectory + "/" + name : nil
    let branch = options.useWorktree ? "multiagent/" + name : nil
    let sessionID = provider.newPinnedSessionID()
    var record = AgentRecord(
      id: id, name: name, provider: provider.name, account: accountID, model: options.model,
      taskID: options.taskID,
      parentID: options.parentID, status: scheduled ? .queued : .starting,
      promptSummary: Self.summary(prompt), cwd: cwd,
      worktreePath: worktreePath, branch: branch, baseRef: baseCommit,
      createdWorktree: options.useWorktree, createdBranch: options.useWorktree,
      extraArguments: options.extraArguments,
      // Until its supervisor runs, the spawning process stands in for it: reconcile leaves an agent
      // alone while this process lives (a slow `git worktree add` is not a crash), and repairs it
      // when this process died half-way.
      // A pending supervisor is recorded at once; it waits for the word while this process works.
      supervisor: scheduled ? nil : pending?.identity ?? (try? ProcessInspector().currentIdentity()),
      accountPinned: accountID != nil && !options.rotate, detachedFromParent: options.detachFromParent)
    let token = AgentToken.generate()
    do {
      record = try store.create(record, tokenHash: AgentToken.hash(token), requireLiveParent: true)
    } catch {
      switch error.code {
      case .nameTaken:
        throw AgentError(.nameTaken, "an agent named \(name) already exists; choose another --name")
      case .notFound: throw AgentError(.notFound, error.message)
      case .constraint: throw AgentError(.invalidState, error.message)
      default: throw AgentError(.store, error.description)
      }
    }

    // 3. Make its files and worktree; undo everything if any step fails.
    let paths = AgentPaths(home: home, id: id)
    var madeWorktree = false
    do {
      try FileSystem.makePrivateDirectory(paths.directory)
      try FileSystem.writeSecure(Data(token.utf8), to: paths.token)
      if let repository, let worktreePath, let branch, let baseCommit {
        try FileSystem.makePrivateDirectory(home.worktreesDirectory)
        do {
          try worktrees.add(repository: repository, path: worktreePath, branch: branch, base: baseCommit)
          madeWorktree = true
        } catch { throw AgentError(.worktree, error.message) }
      }
      var task = prompt
      if !inputs.isEmpty {
        try FileSystem.makePrivateDirectory(paths.inputs)
        var listed: [String] = []
        for input in inputs {
          let target = paths.inputs + "/" + URL(fileURLWithPath: input).lastPathComponent
          if FileSystem.exists(target) { try FileManager.default.removeItem(atPath: target) }
          try FileManager.default.copyItem(atPath: input, toPath: target)
          listed.append("- \(target)")
        }
        task += "\n\nContext files for this task:\n" + listed.joined(separator: "\n")
      }
      let fullPrompt = task + QuestionProtocol.preamble(signalFile: paths.signalFile)
      try FileSystem.writeSecure(Data(fullPrompt.utf8), to: paths.prompt)
      if let maxRunning {
        try FileSystem.writeSecure(Data("\(maxRunning)\n".utf8), to: Self.maxRunningFile(home: home, id: id))
      }
      // The run plan comes last: a queued agent with one is ready to be started by anyone.
      try RunPlan(kind: .spawn, prompt: fullPrompt, sessionID: sessionID, isFirstTurn: true).write(
        to: paths.runPlan)
      if scheduled {
        startQueued()
        if let current = try? store.agent(id: id), current.status == .crashed {
          throw AgentError(.process, current.error ?? "cannot start the supervisor")
        }
      } else if pending?.go() == true {
        started = true
      } else {
        try startSupervisor(for: id)
      }
    } catch {
      undoSpawn(record, repository: madeWorktree ? repository : nil)
      if let error = error as? AgentError { throw error }
      throw AgentError(.invalidPath, "cannot prepare the agent: \(error.localizedDescription)")
    }
    return (try? store.agent(id: id)) ?? record
  }

  /// Removes what a failed spawn made. `repository` is given only when this spawn created the
  /// worktree and its branch: a branch that was there before (say, kept by `delete --keep-branch`)
  /// is never touched.
  private func undoSpawn(_ record: AgentRecord, repository: String?) {
    let worktrees = Worktrees()
    if let repository, let path = record.worktreePath, FileSystem.exists(path) {
      try? worktrees.remove(repository: repository, path: path)
    }
    if let repository, let branch = record.branch { try? worktrees.deleteBranch(branch, in: repository) }
    try? FileManager.default.removeItem(atPath: AgentPaths(home: home, id: record.id).directory)
    _ = try? store.delete(id: record.id)
  }

  static func summary(_ prompt: String) -> String {
    let line = prompt.split(whereSeparator: \.isNewline).first.map(String.init) ?? prompt
    return line.count > 120 ? String(line.prefix(117)) + "…" : line
  }
}
