import Credentials
import Foundation
import JSONKit
import ProcessKit
import ProviderKit
import Providers

#if canImport(Glibc)
  import Glibc
#endif

/// One run of the provider CLI, for the `SupervisionLoop`: building its command and environment,
/// starting it, and following its output into the store until it exits — or following a CLI whose
/// supervisor died (adoption). Parsed output is committed together with the log offset after it.
struct CLIRun {
  let home: StateHome
  let agentID: String
  let store: AgentStore
  let provider: any AgentProvider
  let paths: AgentPaths
  let failover: AccountFailover
  let logger: any AgentLogger
  /// Follows the log from the stored parse offset; made on first use (see ``poll(final:)``).
  var follower: OutputFollower?
  /// The parse offset as stored: the start of the next commit (see `CLIRun+Output.swift`).
  var committed: Int64 = 0
  /// Parsed events not yet written (their write failed, or waits for the next quiet commit), kept
  /// for the next attempt: nothing parsed is dropped while the CLI runs.
  var uncommitted: [AgentEvent] = []
  /// A commit whose write failed, kept as it was: it is written again, with the same offsets as
  /// its idempotency key, before anything newer (its reply may have been lost after it committed).
  var unconfirmed: OutputBatch?
  var lastWriteWarning: ContinuousClock.Instant?
  /// When parsed output was last committed while the CLI runs (see ``take(_:_:_:)``).
  var lastCommit = ContinuousClock.now
  /// No commit is tried before this after one failed (a cut-off store is not hammered every poll).
  var nextAttempt: ContinuousClock.Instant?
  private let launcher = ProcessLauncher()

  /// While the CLI runs, output that changes nothing in the record (text, tool calls) is committed
  /// with its offset at most this often: one write a second rather than one a poll, which is what
  /// hundreds of agents on one database can afford. Anything the record shows (a session id, a
  /// result, questions, a limit, an error) is committed at once. A crash loses nothing either way:
  /// what was not committed is parsed again from the committed offset.
  static let quietCommitInterval: Duration = .seconds(1)

  /// A CLI being followed.
  struct Running {
    /// The CLI process (group leader of its own session).
    var identity: ProcessIdentity
    /// Whether this process started it (then it is our unreaped child and its exit is seen exactly);
    /// `false` for an adopted CLI, watched until it is gone.
    var isChild: Bool
    /// The session a resume asked for: another id showing up is refused.
    var expectedSession: String?
    /// The account the run is on, if any (its quota readings are kept).
    var account: String? = nil
    /// The run's live channel, for a CLI that has one (see ``LiveSession``); an adopted CLI's is lost.
    var live: LiveSession? = nil
  }

  /// What a usage limit said.
  struct Exhaustion: Equatable {
    var resetAt: Date?
    var message: String
  }

  /// What one CLI run ended with.
  struct Ending {
    var exit: ExitStatus?
    var exhaustion: Exhaustion?
    var sessionMismatch: String?
    /// A question held open on the live channel was let go unanswered: the agent keeps waiting.
    var releasedQuestion = false
  }

  /// What starting the CLI came to.
  enum Launch {
    /// It runs.
    case started(Running)
    /// It could not be started (or its command built): the agent must fail with this message.
    case failed(String)
    /// The agent was settled by someone else (stopped) before or while it started.
    case settledMeanwhile(Ending?)
  }

  init(
    home: StateHome, agentID: String, store: AgentStore, provider: any AgentProvider,
    failover: AccountFailover, logger: any AgentLogger
  ) {
    self.home = home
    self.agentID = agentID
    self.store = store
    self.provider = provider
    self.failover = failover
    self.logger = logger
    self.paths = AgentPaths(home: home, id: agentID)
  }

  // MARK: Starting

  /// Starts the CLI for `plan` and records it (`running`), unless the agent was settled meanwhile.
  mutating func launch(_ plan: RunPlan, credentials: PreparedCredentials?) throws -> Launch {
    guard let record = try StoreRetry.record(of: agentID, in: store, logger: logger) else {
      return .settledMeanwhile(nil)
    }
    if plan.kind == .resume && plan.sessionID == nil { return .failed("a resume needs a session id") }
    // Messages sent meanwhile (`send`) go with this run's prompt.
    let (plan, messages) = withMessages(plan)
    let command: CommandSpec
    do { command = try self.command(for: plan, record: record, credentials: credentials) } catch {
      return .failed(error.message)
    }
    // A signal left by an earlier run must not be mistaken for this run's.
    unlink(paths.signalFile)
    unlink(paths.exhaustion)
    // Nor a question held or answered in an earlier run: its answers went with a resume (which took
    // the files first), or the agent was settled meanwhile (stopped, crashed) and they are stale.
    unlink(paths.heldQuestion)
    unlink(paths.liveAnswer)
    var (configuration, pipe) = try launchConfiguration(command)
    // Someone may have stopped the agent meanwhile.
    guard let status = try StoreRetry.record(of: agentID, in: store, logger: logger)?.status,
      StatusChange.launch.from.contains(status)
    else {
      return .settledMeanwhile(nil)
    }
    // Lines of earlier runs are all parsed; this run gets a parser of its own.
    uncommitted += try poll(final: true)
    try commitAfterExit()
    try startRun(with: provider.makeParser(context: ParserContext()))
    // The intent comes first: should this process die between starting the CLI and recording it,
    // reconcile finds the CLI by the spawn id written here (see `LaunchIntent`).
    configuration.spawnID = try LaunchIntent.record(at: paths.launchIntent)
    let cli: ProcessIdentity
    do { cli = try launcher.launch(configuration) } catch {
      return .failed("cannot start \(command.executable): \(error.message)")
    }
    Supervisor.announceLaunch(of: cli.pid)
    let live = startLive(command, pipe: pipe)
    deliveredWithRun(messages)
    Failpoint.supervisorLaunched.hit()
    // Retried while the store cannot take it (the CLI runs meanwhile, its output kept on disk). A
    // retry after the first attempt committed finds the agent running this CLI: `running` is one
    // of the statuses it launches from, and staying put with the same values writes nothing and
    // records no second event.
    // The account serving the run is recorded in the same write (once, also when retried).
    let selected = accountSelected(record, plan: plan, command: command)
    let started = try StoreRetry.untilWritten(agentID: agentID, logger: logger) {
      try store.transition(
        id: agentID, .launch, message: "\(command.executable) started (pid \(cli.pid))",
        alsoRecording: selected
      ) { record in
        record.cli = cli
        record.exitCode = nil
        record.exitSignal = nil
        record.error = nil
        if let pinned = command.sessionID, record.sessionID == nil { record.sessionID = pinned }
      }
    }
    guard started.applied else {
      // Stopped between the check and the launch: do not leave the CLI running.
      Self.signalGroup(of: cli, SIGKILL)
      let exit = try? launcher.waitForExit(cli.pid)
      uncommitted += try poll(final: true)
      try commitAfterExit()
      return .settledMeanwhile(Ending(exit: exit))
    }
    let expected = plan.kind == .resume ? plan.sessionID : nil
    return .started(
      Running(identity: cli, isChild: true, expectedSession: expected, account: record.account, live: live))
  }

  /// The provider's command for `plan`, with the agent's identity, token and account in its
  /// environment.
  private func command(for plan: RunPlan, record: AgentRecord, credentials: PreparedCredentials?)
    throws(ProviderError) -> CommandSpec
  {
    var environment = [
      Authority.agentIDVariable: agentID, QuestionProtocol.signalFileVariable: paths.signalFile,
      StateHome.environmentVariable: home.path,
    ]
    // The agent's token (read from its 0600 file: the store has only its hash) lets the agent act on
    // the agents it spawns; it reaches the CLI's environment only.
    if let token = AgentToken.read(from: paths.token) { environment[Authority.tokenVariable] = token }
    // A shared store reaches the agent (whose spawns use it) as the home does: in its environment.
    if case .postgres(let url) = home.store { environment[StateHome.storeEnvironmentVariable] = url }
    // So is the machine: the agents it spawns are supervised on this one.
    if let machine = record.machine { environment[MachineID.environmentVariable] = machine }
    environment.merge(credentials?.environment ?? [:]) { _, new in new }
    let request = CommandRequest(
      prompt: plan.prompt, workingDirectory: record.worktreePath ?? record.cwd ?? FileSystem.currentDirectory,
      model: record.model, extraArguments: record.extraArguments, environment: environment,
      unsetEnvironment: credentials?.unsetEnvironment ?? [], configDirectory: credentials?.configDirectory,
      runningAsRoot: geteuid() == 0)
    switch plan.kind {
    case .spawn: return try provider.spawnCommand(for: request, sessionID: plan.sessionID)
    case .resume: return try provider.resumeCommand(for: request, sessionID: plan.sessionID ?? "")
    }
  }

  /// How to start `command`: output appended to the agent's log, the prompt on stdin when the CLI
  /// reads it there, and none of the supervisor's own identity in the environment.
  private func launchConfiguration(_ command: CommandSpec) throws -> (ProcessLaunchConfiguration, InputPipe?)
  {
    var input = ProcessLaunchConfiguration.Input.null
    var pipe: InputPipe?
    switch command.standardInput {
    case .text(let text):
      try FileSystem.writeSecure(text, to: paths.standardInput)
      input = .file(paths.standardInput)
    case .live:
      let made = try InputPipe()
      input = .descriptor(made.readEnd)
      pipe = made
    case .null: break
    }
    var inherited = ProcessEnvironment.current
    for variable in [
      ProcessIdentity.spawnIDVariable, Authority.tokenVariable, Supervision.environmentVariable,
    ] {
      inherited.removeValue(forKey: variable)
    }
    let resolved = command.resolvedEnvironment(inheriting: inherited)
    // The definition may name alternatives (`agent` for `cursor-agent`): use the one installed.
    let executable =
      ProviderInspector(environment: resolved).locate(provider.definition) ?? command.executable
    let configuration = ProcessLaunchConfiguration(
      executable: executable, arguments: command.arguments, environment: resolved,
      workingDirectory: command.workingDirectory, standardInput: input,
      output: .appendingToFile(paths.outputLog))
    return (configuration, pipe)
  }

  // MARK: Following

  /// Follows `cli` until it exits (or, adopted, until it is gone), committing what it prints.
  mutating func follow(_ cli: Running) throws -> Ending {
    var ending = Ending()
    // An adopted run's previous supervisor may have seen a usage limit it did not get to act on.
    if !cli.isChild { ending.exhaustion = Self.readExhaustion(paths.exhaustion) }
    var stopWatch = StopWatch()
    // A live run reacts to what the CLI writes (a turn's end, a question) as it is written.
    let exitWatcher =
      cli.live != nil
      ? ExitWatcher(pid: cli.identity.pid, fileChanges: paths.outputLog) : ExitWatcher(pid: cli.identity.pid)
    let inspector = ProcessInspector()
    while true {
      try take(poll(), cli, &ending)
      if let live = cli.live { stepLive(live, &ending) }
      if cli.isChild {
        // A wait that fails (the child is gone unseen) ends the run without an exit status.
        do {
          if let exit = try launcher.exitStatusIfExited(cli.identity.pid) {
            ending.exit = exit
            break
          }
        } catch { break }
      } else if !inspector.isAlive(cli.identity) {
        break
      }
      // The CLI is our unreaped child (or checked alive just now): its group id is still its own.
      enforceStop(cli.identity, &stopWatch)
      // Orphans the CLI left that exited meanwhile (a subreaper inherits them).
      if cli.isChild && Subreaper.isActive { Subreaper.reapExitedChildren(keeping: cli.identity.pid) }
      exitWatcher.wait(
        timeout: cli.live != nil
          ? LiveSession.pollInterval : cli.isChild ? Supervisor.pollInterval : .milliseconds(100))
    }
    let last = try poll(final: true)
    inspect(last, cli, into: &ending)
    uncommitted += last
    try commitAfterExit()
    if let live = cli.live { keepUntaken(live) }
    readSessionQuota(cli)
    if cli.isChild { endLeftovers(of: cli.identity) }
    return ending
  }

  /// Background processes the agent left in its process group must not outlive its run. A
  /// subreaper with no child left knows there are none (every survivor would be its descendant).
  private func endLeftovers(of cli: ProcessIdentity) {
    let mayHaveLeftovers = !Subreaper.isActive || Subreaper.reapExitedChildren()
    guard mayHaveLeftovers, var leftover = try? store.agent(id: agentID) else { return }
    leftover.cli = cli
    FamilyCascade.terminateBlocking(
      [leftover], grace: .seconds(2), adopted: Subreaper.isActive ? (getpid(), agentID) : nil)
    if Subreaper.isActive { Subreaper.reapExitedChildren() }
  }

  /// When the supervisor last looked at the agent's status, and when it found it stopped.
  struct StopWatch {
    var lastCheck = ContinuousClock.now
    var stoppedSince: ContinuousClock.Instant?
  }

  /// Every second, checks whether someone settled the agent while its CLI runs (stopped by the user,
  /// or with its parent): then ends the CLI's process group — SIGTERM at once, SIGKILL a minute
  /// later. Whoever stopped it normally ends the processes sooner; this covers a stopper that died
  /// midway (a parent's supervisor killed while stopping its children).
  private func enforceStop(_ cli: ProcessIdentity, _ watch: inout StopWatch) {
    let now = ContinuousClock.now
    guard now - watch.lastCheck >= .seconds(1), cli.pid > 1 else { return }
    watch.lastCheck = now
    if let since = watch.stoppedSince {
      if now - since >= .seconds(60) { Self.signalGroup(of: cli, SIGKILL) }
      return
    }
    guard let status = try? store.status(id: agentID), status.isTerminal else { return }
    watch.stoppedSince = now
    Self.signalGroup(of: cli, SIGTERM)
  }

  /// Signals the CLI's process group, once (the escalation is ``enforceStop(_:_:)``'s).
  private static func signalGroup(of cli: ProcessIdentity, _ signal: Int32) {
    if cli.pid > 1 { kill(-cli.pid, signal) }
  }

  /// Notes a usage limit (the account is parked at once, so that other spawns avoid it) and a
  /// resumed session that came back under another id (Codex silently starts a new thread when it
  /// cannot find one: that is an error, not a quiet restart).
  func inspect(_ events: [AgentEvent], _ cli: Running, into ending: inout Ending) {
    for event in events {
      switch event.kind {
      case .exhausted(let resetAt, let message) where ending.exhaustion == nil:
        let exhaustion = Exhaustion(resetAt: resetAt, message: message)
        ending.exhaustion = exhaustion
        Self.writeExhaustion(exhaustion, to: paths.exhaustion, logger: logger)
        if let account = try? store.agent(id: agentID)?.account { failover.park(account, after: exhaustion) }
      case .quota(let reading):
        if let account = cli.account { failover.accounts.recordQuota(account, reading) }
      case .permissionRequest(let request):
        if let live = cli.live { handle(request, on: live) }
      case .toolResult(let id, _, let isError):
        if !isError { toolResult(id, live: cli.live, adopted: !cli.isChild) }
      case .messageTaken(let id, _):
        let inbox = AgentInbox(paths: paths)
        if let live = cli.live {
          inbox.remove(live.messageTaken(id: id))
        } else if let id {
          // An adopted CLI (its input went with the supervisor that started it) took a message.
          inbox.remove(inbox.pending().filter { $0.id == id })
        }
      case .result:
        cli.live?.turnEnded()
      case .sessionStarted(let id):
        if let expected = cli.expectedSession, id != expected, ending.sessionMismatch == nil {
          ending.sessionMismatch =
            "asked \(provider.name) to resume session \(expected) but it started session \(id); "
            + "refusing to continue in a new conversation"
          Self.signalGroup(of: cli.identity, SIGTERM)
        }
      default:
        break
      }
    }
  }

  // MARK: The exhaustion file

  /// Keeps a usage limit on disk until it is acted on, for a supervisor that adopts after a crash.
  static func writeExhaustion(_ exhaustion: Exhaustion, to path: String, logger: any AgentLogger) {
    var object = JSONObject(keys: ["message"], values: [.string(exhaustion.message)])
    if let resetAt = exhaustion.resetAt { object["reset_at"] = .time(resetAt.timeIntervalSince1970) }
    logger.attempt("record the usage limit in \(path)") {
      try FileSystem.writeSecure(JSONWriter.string(.object(object)), to: path)
    }
  }

  /// The usage limit a previous supervisor kept on disk, if any.
  static func readExhaustion(_ path: String) -> Exhaustion? {
    guard let data = FileSystem.contents(atPath: path),
      let value = try? JSONParser.parse(Array(data)), let message = value["message"]?.stringValue
    else { return nil }
    return Exhaustion(
      resetAt: value["reset_at"]?.timeValue.map(Date.init(timeIntervalSince1970:)), message: message)
  }
}
