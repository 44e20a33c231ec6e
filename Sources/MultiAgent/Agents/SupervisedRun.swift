import Credentials
import Foundation
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
      path: paths.outputLog, offset: offset ?? 0, parser: provider.makeParser(context: ParserContext()))
    self.committed = offset ?? 0
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

  // MARK: Accounts

  enum AccountChoice {
    case noAccounts
    case ready(PreparedCredentials)
    case wait(until: Date?, reason: String)
    case unusable(String)
  }

  /// Picks the account for the next run; when it differs from the last one, moves the session over.
  private func chooseAccount(_ record: AgentRecord, plan: inout RunPlan) throws -> AccountChoice {
    guard accounts.hasAccounts(provider: provider.name) else { return .noAccounts }
    let now = Date()
    var excluded: Set<String> = []
    var lastFailure: String?
    let pinned = record.accountPinned ? record.account : nil
    while true {
      let account: Account
      do {
        guard
          let chosen = try accounts.select(
            provider: provider.name, current: record.account, pinned: pinned, excluding: excluded, now: now)
        else { return .noAccounts }
        account = chosen
      } catch let error where error.code == .allExhausted {
        // Every account left was excluded because its credentials failed: waiting will not help.
        if let lastFailure { return .unusable(lastFailure) }
        return .wait(until: error.earliestReset, reason: error.message)
      } catch {
        return .unusable(lastFailure ?? error.message)
      }
      let prepared: PreparedCredentials
      do { prepared = try accounts.prepare(account, provider: provider.definition, now: now) } catch {
        // A refresh that failed marks the account; the next one is tried (never the pinned one again).
        try? store.appendEvent(agentID: agentID, type: "account_error", message: error.message)
        if pinned != nil { return .unusable(error.message) }
        excluded.insert(account.id)
        lastFailure = error.message
        continue
      }
      if account.id != record.account {
        do { try moveSession(to: account, prepared: prepared, record: record, plan: &plan) } catch {
          return .unusable("\(error)")
        }
      }
      try store.update(id: agentID) { $0.account = account.id }
      return .ready(prepared)
    }
  }

  private func moveSession(
    to account: Account, prepared: PreparedCredentials, record: AgentRecord, plan: inout RunPlan
  ) throws {
    let previous = record.account.flatMap { accounts.account(id: $0) }
    let from = previous?.configDirectory ?? accounts.userConfigDirectory(for: provider.definition)
    if let previous {
      noteInLog(
        "[multiagent] account \(previous.label) (\(previous.id)) is parked; continuing on account "
          + "\(account.label) (\(account.id))")
    }
    guard plan.kind == .resume, let session = plan.sessionID, let from else {
      if previous != nil {
        try? store.appendEvent(
          agentID: agentID, type: "account_switched",
          message: "continuing on account \(account.label) (\(account.id))")
      }
      return
    }
    do {
      try accounts.port(
        sessionID: session, provider: provider.definition, from: from, to: prepared.configDirectory)
      try? store.appendEvent(
        agentID: agentID, type: "account_switched",
        message:
          "session \(session) moved from \(previous.map { "account \($0.label) (\($0.id))" } ?? "the default config dir") "
          + "to account \(account.label) (\(account.id))")
    } catch {
      // A conversation with turns that cannot move must not silently restart on the new account.
      guard plan.firstTurn else {
        throw AgentError(
          .invalidState,
          "session \(session) cannot move to account \(account.label): \(error.message); answer again once "
            + "account \(previous?.label ?? "the previous account") is usable, or pin the agent with --account"
        )
      }
      // No transcript to move (the limit hit before the first turn was saved): start the request
      // afresh on the new account, pinning the same id where the provider pins one.
      plan = RunPlan(
        kind: .spawn, prompt: plan.underlyingRequest,
        sessionID: provider.definition.sessionID.source == .pinned ? session : nil, isFirstTurn: true)
      try plan.write(to: paths.runPlan)
      try? store.appendEvent(
        agentID: agentID, type: "account_switched",
        message:
          "no transcript to move (\(error.message)); starting the request again on account \(account.label)")
    }
  }

  /// Appends one plain line to the output log between two runs of the CLI, so that `logs` (and
  /// `logs --raw`) show where the agent changed accounts. Parsers keep it as a raw line.
  private func noteInLog(_ line: String) {
    guard let handle = FileHandle(forWritingAtPath: paths.outputLog) else { return }
    defer { try? handle.close() }
    _ = try? handle.seekToEnd()
    try? handle.write(contentsOf: Data((line + "\n").utf8))
  }

  /// Parks the agent as `waiting_for_account` until an account is usable again (or it is stopped).
  private func waitForAccount(until: Date?, reason: String) throws {
    let message =
      until.map { "all \(provider.name) accounts are exhausted; waiting until \($0.ISO8601Format())" }
      ?? reason
    try store.transition(
      id: agentID, from: [.starting, .running, .waitingForAccount], to: .waitingForAccount, message: message
    ) { $0.error = message }
    // Waiting for an account holds no slot (see ``SchedulingLimits``): let the queue move.
    AgentManager.startQueued(home: home)
    while true {
      Thread.sleep(forTimeInterval: 1)
      guard let record = try store.agent(id: agentID), record.status == .waitingForAccount else { return }
      if accounts.anyUsable(
        provider: provider.name, pinned: record.accountPinned ? record.account : nil, now: Date())
      {
        return
      }
    }
  }

  /// After a usage limit: parks the account and returns the plan that continues the session, or
  /// `nil` when the run should settle as it is (the agent finished its turn, or accounts are off).
  private func continuation(
    after exhaustion: (resetAt: Date?, message: String), _ record: AgentRecord, _ plan: RunPlan?
  ) throws -> RunPlan? {
    guard let accountID = record.account, let plan else { return nil }
    // An agent that wrote done or questions before the limit hit has finished its turn.
    if let signal = try? AgentSignal.read(at: paths.signalFile), signal != nil { return nil }
    let until = exhaustion.resetAt ?? Date().addingTimeInterval(RotationPolicy.defaultCooldown)
    accounts.markExhausted(accountID, until: until, reason: exhaustion.message)
    try? store.appendEvent(
      agentID: agentID, type: "account_exhausted",
      message: "account \(accounts.account(id: accountID)?.label ?? accountID) exhausted until "
        + "\(until.ISO8601Format()): \(exhaustion.message)")
    let next = plan.continuation(sessionID: record.sessionID)
    try next.write(to: paths.runPlan)
    try store.update(id: agentID) { record in
      record.error = nil
      record.result = nil
    }
    return next
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
    var inherited = ProcessInfo.processInfo.environment
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
        Thread.sleep(forTimeInterval: 0.01)
      }
    }
    let events = follower.poll(final: true)
    inspect(events, expectedSession: expectedSession, cli: cli, into: &ending)
    try commit(events)
    ending.exit = exit
    // Background processes the agent left in its process group must not outlive its run.
    if var leftover = try store.agent(id: agentID) {
      leftover.cli = cli
      FamilyCascade.terminateBlocking([leftover], grace: .seconds(2))
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
    while inspector.isAlive(cli) {
      let events = follower.poll()
      inspect(events, expectedSession: nil, cli: cli, into: &ending)
      try commit(events)
      enforceStop(cli, &stopWatch)
      Thread.sleep(forTimeInterval: 0.1)
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
            accounts.markExhausted(
              account, until: resetAt ?? Date().addingTimeInterval(RotationPolicy.defaultCooldown),
              reason: message)
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

  private func fail(_ message: String) throws -> AgentStatus {
    try store.transition(
      id: agentID, from: [.starting, .running, .waitingForAccount], to: .failed, message: message
    ) { $0.error = message }
    return try store.agent(id: agentID)?.status ?? .failed
  }
}
