import Credentials
import Foundation
import ProcessKit
import ProviderKit

#if canImport(Glibc)
  import Glibc
#endif

/// The supervisor's loop for one agent: pick an account, run the CLI, follow its output, and after
/// it exits either settle or — when the account hit its usage limit — continue on the next account.
struct SupervisedRun {
  let home: StateHome
  let agentID: String
  let store: AgentStore
  let provider: any AgentProvider
  let accounts: AccountBroker
  let paths: AgentPaths
  private var follower: OutputFollower
  private var committed: Int64
  private let launcher = ProcessLauncher()

  /// What one CLI run ended with.
  struct Ending {
    var exit: ExitStatus?
    var exhaustion: (resetAt: Date?, message: String)?
    var sessionMismatch: String?
  }

  init(
    home: StateHome, agentID: String, store: AgentStore, provider: any AgentProvider, accounts: AccountBroker
  ) {
    self.home = home
    self.agentID = agentID
    self.store = store
    self.provider = provider
    self.accounts = accounts
    self.paths = AgentPaths(home: home, id: agentID)
    let offset = (try? store.agent(id: agentID)?.parseOffset) ?? 0
    self.follower = OutputFollower(
      path: paths.outputLog, offset: offset, parser: provider.makeParser(context: ParserContext()))
    self.committed = offset
  }

  mutating func supervise(adopt: Bool) throws -> AgentStatus {
    var plan: RunPlan? = try? RunPlan.read(from: paths.runPlan)
    var ending: Ending?
    if adopt {
      guard let cli = try store.agent(id: agentID)?.cli else {
        return try fail("nothing to adopt: no CLI was recorded")
      }
      ending = try followAdopted(cli)
    }
    while true {
      guard let record = try store.agent(id: agentID) else { return .failed }
      if let finished = ending {
        ending = nil
        if let mismatch = finished.sessionMismatch { return try fail(mismatch) }
        if let exhaustion = finished.exhaustion, let next = try continuation(after: exhaustion, record, plan)
        {
          plan = next
          continue
        }
        return try Supervisor.settle(store: store, id: agentID, exit: finished.exit, paths: paths)
      }
      if record.status.isTerminal { return record.status }
      guard var current = plan else { return try fail("cannot read the run plan \(paths.runPlan)") }
      let prepared: PreparedCredentials?
      switch try chooseAccount(record, plan: &current) {
      case .noAccounts: prepared = nil
      case .ready(let credentials): prepared = credentials
      case .wait(let until, let reason):
        try waitForAccount(until: until, reason: reason)
        plan = current
        continue
      case .unusable(let reason):
        return try fail("no usable \(provider.name) account: \(reason)")
      }
      plan = current
      ending = try launchAndFollow(current, record: record, credentials: prepared)
      if ending == nil { return try store.agent(id: agentID)?.status ?? .failed }
    }
  }

  // MARK: Running the CLI

  private mutating func launchAndFollow(
    _ plan: RunPlan, record: AgentRecord, credentials: PreparedCredentials?
  ) throws -> Ending? {
    let workingDirectory = record.worktreePath ?? record.cwd ?? FileSystem.currentDirectory
    var environment = [
      Authority.agentIDVariable: agentID, QuestionProtocol.signalFileVariable: paths.signalFile,
      StateHome.environmentVariable: home.path,
    ]
    // The agent's token (read from its 0600 file: the store has only its hash) lets the agent act on
    // the agents it spawns; it reaches the CLI's environment only.
    if let token = AgentToken.read(from: paths.token) { environment[Authority.tokenVariable] = token }
    environment.merge(credentials?.environment ?? [:]) { _, new in new }
    let request = CommandRequest(
      prompt: plan.prompt, workingDirectory: workingDirectory, model: record.model,
      extraArguments: record.extraArguments, environment: environment,
      unsetEnvironment: credentials?.unsetEnvironment ?? [], configDirectory: credentials?.configDirectory,
      runningAsRoot: geteuid() == 0)
    if plan.kind == .resume && plan.sessionID == nil {
      _ = try fail("a resume needs a session id")
      return nil
    }
    let command: CommandSpec
    do {
      switch plan.kind {
      case .spawn: command = try provider.spawnCommand(for: request, sessionID: plan.sessionID)
      case .resume: command = try provider.resumeCommand(for: request, sessionID: plan.sessionID ?? "")
      }
    } catch {
      _ = try fail(error.message)
      return nil
    }

    // A signal left by an earlier run must not be mistaken for this run's.
    unlink(paths.signalFile)
    unlink(paths.exhaustion)
    var input = ProcessLaunchConfiguration.Input.null
    if case .text(let text) = command.standardInput {
      try FileSystem.writeSecure(Data(text.utf8), to: paths.standardInput)
      input = .file(paths.standardInput)
    }
    var inherited = ProcessEnvironment.current
    inherited.removeValue(forKey: ProcessIdentity.spawnIDVariable)
    inherited.removeValue(forKey: Authority.tokenVariable)
    let resolved = command.resolvedEnvironment(inheriting: inherited)
    // The definition may name alternatives (`agent` for `cursor-agent`): use the one installed.
    let executable =
      ProviderInspector(environment: resolved).locate(provider.definition) ?? command.executable
    let configuration = ProcessLaunchConfiguration(
      executable: executable, arguments: command.arguments, environment: resolved,
      workingDirectory: command.workingDirectory, standardInput: input,
      output: .appendingToFile(paths.outputLog))

    let launchable: Set<AgentStatus> = [.starting, .running, .waitingForAccount]
    // Someone may have stopped the agent meanwhile.
    guard let status = try store.agent(id: agentID)?.status, launchable.contains(status) else { return nil }
    // Lines of earlier runs are all parsed; this run gets a parser of its own.
    try commit(follower.poll(final: true))
    follower.startRun(with: provider.makeParser(context: ParserContext()))
    let cli: ProcessIdentity
    do { cli = try launcher.launch(configuration) } catch {
      _ = try fail("cannot start \(command.executable): \(error.message)")
      return nil
    }
    let started = try store.transition(
      id: agentID, from: launchable, to: .running, message: "\(command.executable) started (pid \(cli.pid))"
    ) { record in
      record.cli = cli
      record.exitCode = nil
      record.exitSignal = nil
      record.error = nil
      if let pinned = command.sessionID, record.sessionID == nil { record.sessionID = pinned }
    }
    if !started.applied {
      // Stopped between the check and the launch: do not leave the CLI running.
      kill(-cli.pid, SIGKILL)
      let exit = try? launcher.waitForExit(cli.pid)
      try commit(follower.poll(final: true))
      return Ending(exit: exit)
    }

    var ending = Ending()
    let expectedSession = plan.kind == .resume ? plan.sessionID : nil
    var exit: ExitStatus?
    var exited = false
    var stopWatch = StopWatch()
    // Output is parsed every 50 ms while the CLI runs (fewer wake-ups to compete with it for the
    // CPU); its exit is noticed at once.
    let exitWatcher = ExitWatcher(pid: cli.pid)
    while !exited {
      let events = follower.poll()
      inspect(events, expectedSession: expectedSession, cli: cli, into: &ending)
      try commit(events)
      // A wait that fails (the child is gone unseen) ends the loop: settle without an exit status.
      do {
        exit = try launcher.exitStatusIfExited(cli.pid)
        exited = exit != nil
      } catch { exited = true }
      if !exited {
        // The CLI is our unreaped child here, so its pid (and group id) cannot have been reused.
        enforceStop(cli, &stopWatch)
        // Orphans the CLI left that exited meanwhile (a subreaper inherits them).
        if Subreaper.isActive { Subreaper.reapExitedChildren(keeping: cli.pid) }
        exitWatcher.wait(timeout: Supervisor.pollInterval)
      }
    }
    let events = follower.poll(final: true)
    inspect(events, expectedSession: expectedSession, cli: cli, into: &ending)
    try commit(events)
    ending.exit = exit
    // Background processes the agent left in its process group must not outlive its run. A
    // subreaper with no child left knows there are none (every survivor would be its descendant).
    let mayHaveLeftovers = !Subreaper.isActive || Subreaper.reapExitedChildren()
    if mayHaveLeftovers, var leftover = try store.agent(id: agentID) {
      leftover.cli = cli
      FamilyCascade.terminateBlocking(
        [leftover], grace: .seconds(2), adopted: Subreaper.isActive ? (getpid(), agentID) : nil)
      if Subreaper.isActive { Subreaper.reapExitedChildren() }
    }
    return ending
  }

  /// Follows a CLI this process did not start (its supervisor died), until it is gone.
  private mutating func followAdopted(_ cli: ProcessIdentity) throws -> Ending {
    var ending = Ending()
    // The previous supervisor may have seen a usage limit it did not get to act on.
    ending.exhaustion = Self.readExhaustion(paths.exhaustion)
    let inspector = ProcessInspector()
    var stopWatch = StopWatch()
    let exitWatcher = ExitWatcher(pid: cli.pid)
    while inspector.isAlive(cli) {
      let events = follower.poll()
      inspect(events, expectedSession: nil, cli: cli, into: &ending)
      try commit(events)
      enforceStop(cli, &stopWatch)
      exitWatcher.wait(timeout: .milliseconds(100))
    }
    let events = follower.poll(final: true)
    inspect(events, expectedSession: nil, cli: cli, into: &ending)
    try commit(events)
    return ending
  }

  /// When the supervisor last looked at the agent's status, and when it found it stopped.
  struct StopWatch {
    var lastCheck = ContinuousClock.now
    var stoppedSince: ContinuousClock.Instant?
  }

  /// Every 250 ms, checks whether someone settled the agent while its CLI runs (stopped by the user,
  /// or with its parent): then sends SIGTERM to the CLI's process group at once, and SIGKILL a minute
  /// later. Whoever stopped it normally ends the processes sooner; this covers a stopper that died
  /// midway (a parent's supervisor killed while stopping its children).
  private func enforceStop(_ cli: ProcessIdentity, _ watch: inout StopWatch) {
    let now = ContinuousClock.now
    guard now - watch.lastCheck >= .milliseconds(250), cli.pid > 1 else { return }
    watch.lastCheck = now
    if let since = watch.stoppedSince {
      if now - since >= .seconds(60) { kill(-cli.pid, SIGKILL) }
      return
    }
    guard let status = try? store.agent(id: agentID)?.status, status.isTerminal else { return }
    watch.stoppedSince = now
    kill(-cli.pid, SIGTERM)
  }

  /// Notes a usage limit (parking the account at once, so that other spawns avoid it) and a resumed
  /// session that came back under another id (Codex silently starts a new thread when it cannot find
  /// one: that is an error, not a quiet restart).
  private func inspect(
    _ events: [AgentEvent], expectedSession: String?, cli: ProcessIdentity, into ending: inout Ending
  ) {
    for event in events {
      switch event.kind {
      case .exhausted(let resetAt, let message):
        if ending.exhaustion == nil {
          ending.exhaustion = (resetAt, message)
          Self.writeExhaustion(resetAt: resetAt, message: message, to: paths.exhaustion)
          if let account = try? store.agent(id: agentID)?.account {
            accounts.markExhausted(account, reportedReset: resetAt, reason: message)
          }
        }
      case .sessionStarted(let id):
        if let expectedSession, id != expectedSession, ending.sessionMismatch == nil {
          ending.sessionMismatch =
            "asked \(provider.name) to resume session \(expectedSession) but it started session \(id); "
            + "refusing to continue in a new conversation"
          kill(-cli.pid, SIGTERM)
        }
      default:
        break
      }
    }
  }

  static func writeExhaustion(resetAt: Date?, message: String, to path: String) {
    var object = JSONObject(keys: ["message"], values: [.string(message)])
    if let resetAt { object["reset_at"] = .number(resetAt.timeIntervalSince1970) }
    try? FileSystem.writeSecure(Data(JSONWriter.string(.object(object)).utf8), to: path)
  }

  static func readExhaustion(_ path: String) -> (resetAt: Date?, message: String)? {
    guard let data = FileManager.default.contents(atPath: path),
      let value = try? JSONParser.parse(Array(data)), let message = value["message"]?.stringValue
    else { return nil }
    return (value["reset_at"]?.doubleValue.map(Date.init(timeIntervalSince1970:)), message)
  }

  /// Stores what the parsed lines changed together with the offset after them, in one transaction:
  /// a crash between polls re-parses nothing twice and skips nothing.
  private mutating func commit(_ events: [AgentEvent]) throws {
    let offset = follower.committedOffset
    if events.isEmpty && offset == committed { return }
    committed = offset
    try store.update(id: agentID) { record in
      RunOutcome.fold(events, into: &record)
      record.parseOffset = offset
    }
  }

  func fail(_ message: String) throws -> AgentStatus {
    try store.transition(
      id: agentID, from: [.starting, .running, .waitingForAccount], to: .failed, message: message
    ) { $0.error = message }
    return try store.agent(id: agentID)?.status ?? .failed
  }
}
