import Foundation
import JSONKit
import ProcessKit
import ProviderKit

#if canImport(Glibc)
  import Glibc
#endif

/// Watches one agent until it settles: chooses an account, starts the provider CLI (or adopts one
/// whose supervisor died), parses its output into the store as it appears, and settles the status
/// when it exits; after a usage limit it parks the account and continues the session on the next
/// one, or waits (`waiting_for_account`) until the earliest reset. See `SupervisionLoop` for the
/// steps.
///
/// An ``AgentManager`` starts supervisors itself, in the way its ``Supervision`` says; a program
/// that uses ``Supervision/detached(executable:arguments:)`` hands its supervisor arguments to
/// ``main(arguments:registry:logger:)``.
public struct Supervisor: Sendable {
  /// How often the log is read while the CLI runs: once a second. The CLI's exit is seen at once
  /// (a pidfd) whatever this is; what a supervisor costs is mostly its wake-ups (a process that
  /// sleeps between them finds its caches cold), and two hundred agents multiply them. A file
  /// watch (inotify) would wake on writes instead, but closing one waits for a kernel grace period
  /// (~15 ms), which every agent's end would pay.
  public static let pollInterval: Duration = .seconds(1)

  let home: StateHome
  let agentID: String
  let adopt: Bool
  /// The providers; `nil` means the home's catalog, loaded when the run starts.
  let registry: ProviderRegistry?
  /// How the queued agents this supervisor starts (when its agent frees a slot) are supervised;
  /// `nil` leaves them to the next command's reconcile.
  let supervision: Supervision?
  let logger: any AgentLogger
  /// The machine it runs on, recorded as its agent's (``AgentRecord/machine``).
  let machine: String

  /// A supervisor for agent `agentID`.
  ///
  /// - Parameters:
  ///   - adopt: follow a CLI already running (its previous supervisor died) instead of starting one.
  ///   - registry: the providers, with those registered in code; `nil` for the home's catalog.
  ///   - supervision: how to supervise the queued agents it starts; `nil` to leave them to the
  ///     next ``AgentManager/reconcile()``.
  ///   - logger: where failures it recovers from are reported.
  ///   - machine: the machine it runs on; `nil` for ``MachineID/current(environment:)``.
  public init(
    home: StateHome, agentID: String, adopt: Bool = false, registry: ProviderRegistry? = nil,
    supervision: Supervision? = nil, logger: any AgentLogger = SilentLogger(), machine: String? = nil
  ) {
    self.machine = machine ?? MachineID.current()
    self.home = home
    self.agentID = agentID
    self.adopt = adopt
    self.registry = registry
    self.supervision = supervision
    self.logger = logger
  }

  /// Supervises the agent until it settles, on the calling thread (it blocks). When it settles
  /// terminal, its children still alive are stopped (all of them when it was stopped, otherwise
  /// those not spawned with `--detach-from-parent`), then the queue gets the freed slot.
  ///
  /// - Returns: the agent's status when it settled.
  /// - Throws: ``AgentError`` when the agent cannot be found or its state cannot be read.
  @discardableResult
  public func run() throws -> AgentStatus {
    let store: AgentStore
    do { store = try AgentStore(home: home) } catch {
      throw AgentError(.store, error.description, underlying: error)
    }
    defer { Self.closing(store) }
    return try run(store: store)
  }

  /// What a supervisor does last with the store it opened: starts the database's log over, so that
  /// the next process to open it after every one closed it (the next spawn, often) reads back one
  /// page instead of every page written since the last checkpoint. Never waits for anyone.
  static func closing(_ store: AgentStore) {
    store.database.restartLogIfIdle()
  }

  /// Like ``run()``, with the store already open.
  ///
  /// - Parameter settled: called once the agent has settled (or the run failed), before the
  ///   supervisor stops its children and starts queued agents: a spawn waiting for it hears at once.
  @discardableResult
  func run(store: AgentStore, settled: () -> Void = {}) throws -> AgentStatus {
    // Read again while the store cannot answer: a supervisor gives up its agent only when it is gone.
    guard let record = try StoreRetry.record(of: agentID, in: store, logger: logger) else {
      throw AgentError(.notFound, "no agent with id \(agentID)")
    }
    defer {
      settled()
      ChildReport(home: home, store: store, logger: logger).childSettled(agentID, retrying: true)
      FamilyCascade(store: store, logger: logger).parentSettled(agentID, machine: machine)
      startQueued(store: store)
      // The next spawn's folder and files, made now that no one waits on this process.
      SpareDirectories.replenish(home: home)
    }
    let registry: ProviderRegistry
    do { registry = try self.registry ?? home.providerRegistry() } catch {
      return try fail(store, "cannot load providers: \(error)")
    }
    let name = record.provider
    let provider: any AgentProvider
    do { provider = try registry.provider(named: name) } catch {
      return try fail(store, "provider \(name) is no longer defined")
    }
    Failpoint.supervisorRecording.hit()
    if let me = try? ProcessInspector().currentIdentity() { try recordSelf(me, store: store) }
    var loop = SupervisionLoop(
      home: home, agentID: agentID, store: store, provider: provider, registry: registry, logger: logger,
      startQueued: { startQueued(store: store) })
    return try loop.run(adopt: adopt)
  }

  /// Records this process as the agent's supervisor, retried while the store cannot take it
  /// (``StoreRetry``). Keyed by the values it sets: a retry after a reply lost with the connection
  /// finds them set and writes nothing (and a supervisor started ahead by the spawn, or in-process,
  /// is already recorded: no write then).
  func recordSelf(_ me: ProcessIdentity, store: AgentStore) throws {
    try StoreRetry.untilWritten(agentID: agentID, logger: logger) {
      guard let record = try store.agent(id: agentID), record.supervisor != me || record.machine != machine
      else { return }
      try store.update(id: agentID) { [machine] in
        $0.supervisor = me
        $0.machine = machine
      }
    }
  }

  private func fail(_ store: AgentStore, _ message: String) throws -> AgentStatus {
    try SupervisionLoop.fail(store: store, id: agentID, message)
  }
}

// MARK: - Starting a supervisor

extension AgentManager {
  /// Starts the supervisor of agent `id` the way ``supervision`` says, and records it: the one way
  /// a supervisor starts (spawn, answer, a queue start, a reconcile that replaces a dead one).
  ///
  /// - Parameter adopt: the new supervisor follows the CLI already running instead of starting one.
  /// - Throws: ``AgentError/Code/process`` when it cannot be started.
  func startSupervisor(for id: String, adopt: Bool = false) throws(AgentError) {
    switch supervision {
    case .inProcess:
      let identity: ProcessIdentity
      do { identity = try ProcessInspector().currentIdentity() } catch {
        throw AgentError(.process, "cannot identify this process: \(error.message)", underlying: error)
      }
      let (store, logger) = (self.store, self.logger)
      _ = try storeCall {
        try store.update(id: id) { [machine] in $0.recordSupervisor(identity, on: machine) }
      }
      let supervisor = Supervisor(
        home: home, agentID: id, adopt: adopt, registry: registry, supervision: supervision, logger: logger,
        machine: machine)
      // The loop blocks (it waits on the CLI and the log): it gets a thread of its own.
      Thread.detachNewThread {
        do { try supervisor.run(store: store) } catch {
          logger.log(
            level: .error, message: "supervision ended with an error",
            metadata: ["agent": id, "error": "\(error)"])
        }
      }
    case .detached(let executable, let arguments):
      let words = SupervisorArguments(home: home.path, agentID: id, adopt: adopt).words
      let paths = AgentPaths(home: home, id: id)
      do {
        var configuration = ProcessLaunchConfiguration(
          executable: executable, arguments: arguments + words, environment: supervisorEnvironment(),
          workingDirectory: "/", standardInput: .null, output: .appendingToFile(paths.supervisorLog))
        // Should this process die (or wait on a busy database) before recording the supervisor,
        // reconcile finds it by this intent rather than start a second one (best effort: without
        // its state folder, an agent has no intent to keep).
        configuration.spawnID = try? LaunchIntent.record(at: paths.supervisorIntent)
        let identity = try ProcessLauncher().launchDetached(configuration)
        Failpoint.supervisorStarted.hit()
        try store.update(id: id) { [machine] in $0.recordSupervisor(identity, on: machine) }
      } catch let error as ProcessError {
        throw AgentError(.process, "cannot start the supervisor: \(error.message)", underlying: error)
      } catch {
        throw AgentError(.store, "\(error)", underlying: error)
      }
    }
  }

  /// The environment of a detached supervisor: this process's, without the variables that name an
  /// agent (a spawn run inside an agent must not hand that agent's identity and token to the
  /// child's supervisor, nor through it to the child's CLI), and with how it was started (so that
  /// the queued agents it starts are supervised the same way) and on which machine (so that it,
  /// and the agent's own spawns, record this manager's machine).
  func supervisorEnvironment() -> [String: String] {
    Self.supervisorEnvironment(supervision, machine: machine)
  }

  static func supervisorEnvironment(_ supervision: Supervision, machine: String? = nil) -> [String: String] {
    var environment = ProcessEnvironment.current
    if let machine { environment[MachineID.environmentVariable] = machine }
    let removed = [
      ProcessIdentity.spawnIDVariable, Authority.agentIDVariable, Authority.tokenVariable,
      QuestionProtocol.signalFileVariable,
    ]
    for variable in removed { environment.removeValue(forKey: variable) }
    environment[Supervision.environmentVariable] = supervision.environmentValue
    return environment
  }

  /// Starts the supervisor of an agent about to be spawned, before anything is validated, so that
  /// its start-up overlaps the spawn's work; pass it to ``spawn(_:maxRunning:supervisor:)``.
  ///
  /// - Parameters:
  ///   - supervision: how agents are supervised; only ``Supervision/detached(executable:arguments:)``
  ///     has a process to start ahead.
  ///   - home: the state home the agent will live in.
  ///   - provider: the provider the spawn names, whose definition the supervisor loads meanwhile.
  ///   - machine: the machine of the manager that will record the agent (its
  ///     ``AgentManager/machine``), handed to the supervisor in `MULTIAGENT_MACHINE_ID`; nil: the
  ///     supervisor's own (``MachineID/current(environment:)``), which is the manager's unless the
  ///     manager was given another.
  ///   - reaping: who reaps the supervisor, this process's child: by default a background thread
  ///     (``ChildReaping/inBackground(onExit:)``). A caller that exits soon after the agent settled may
  ///     pass ``ChildReaping/byCaller``, and calls ``PendingSupervisor/reapInBackground()`` should it
  ///     live on.
  /// - Returns: `nil` for in-process supervision, or when it cannot be started (the spawn then starts
  ///   one the usual way).
  public static func prelaunchSupervisor(
    _ supervision: Supervision, home: StateHome, provider: String, machine: String? = nil,
    reaping: ChildReaping = .inBackground()
  ) -> PendingSupervisor? {
    guard case .detached(let executable, let arguments) = supervision else { return nil }
    let id = AgentRecord.newID()
    let words = SupervisorArguments(home: home.path, agentID: id, awaitStart: true, provider: provider).words
    return PendingSupervisor.launch(
      agentID: id, executable: executable, arguments: arguments + words,
      environment: supervisorEnvironment(supervision, machine: machine), reaping: reaping)
  }
}

// MARK: - A detached supervisor's entry point

extension Supervisor {
  /// The entry point of a detached supervisor process: call it from your program's `main` with the
  /// words that follow the `arguments` of your ``Supervision/detached(executable:arguments:)``, and
  /// exit with the code it returns.
  ///
  /// It refuses to run inside an agent (an agent's identity in the environment), becomes a child
  /// subreaper (orphans of the agent's processes come to it), supervises the agent until it settles
  /// and returns.
  ///
  /// - Parameters:
  ///   - arguments: the supervisor's words, as the library wrote them.
  ///   - registry: the providers, with those registered in code — the same the embedder gave its
  ///     ``AgentManager``; `nil` for the built-in catalog merged with the home's `providers.json`.
  ///   - logger: where failures are reported (a detached supervisor's standard error is the agent's
  ///     `supervisor.log`).
  /// - Returns: 0 when the agent was supervised until it settled, 2 for words that are not a
  ///   supervisor's, 77 inside an agent, 1 for any other failure.
  public static func main(
    arguments: [String], registry: ProviderRegistry? = nil,
    logger: any AgentLogger = StandardErrorLogger(minimumLevel: .warning)
  ) -> Int32 {
    main(arguments: arguments, logger: logger) { _ in registry }
  }

  /// Like ``main(arguments:registry:logger:)``, for a registry that depends on the state home (the
  /// home's `providers.json` plus providers registered in code): `registry` is called with the home
  /// the supervisor's words name; returning `nil` means the home's catalog alone.
  public static func main(
    arguments: [String], logger: any AgentLogger = StandardErrorLogger(minimumLevel: .warning),
    registry makeRegistry: (StateHome) throws -> ProviderRegistry?
  ) -> Int32 {
    guard var parsed = SupervisorArguments(words: arguments) else {
      report("not a supervisor's arguments: \(arguments.joined(separator: " ").prefix(300))")
      return 2
    }
    if parsed.early {
      // Its words and environment come from the spawn that started it; nothing when it gave up.
      switch EarlySupervisorStart.receive(agentID: parsed.agentID) {
      case .start(let words, let environment):
        EarlySupervisorStart.replaceEnvironment(with: environment)
        parsed = words
      case .abandoned: return 0
      case .invalid(let problem):
        report(problem)
        return 2
      }
    }
    let environment = ProcessEnvironment.current
    // Supervisors are started with no agent's identity in their environment; an agent may not run one.
    for variable in [Authority.agentIDVariable, Authority.tokenVariable]
    where !(environment[variable] ?? "").isEmpty {
      report("the supervisor is for multiagent itself; an agent may not run it")
      return 77
    }
    Subreaper.become()
    // One read of the environment for all of start-up (each read builds a dictionary of it).
    let home = StateHome(path: parsed.home, environment: environment)
    let registry: ProviderRegistry?
    do { registry = try makeRegistry(home) } catch {
      report("cannot load the providers: \(error)")
      return 1
    }
    let supervisor = Supervisor(
      home: home, agentID: parsed.agentID, adopt: parsed.adopt, registry: registry,
      supervision: Supervision(environmentValue: environment[Supervision.environmentVariable]),
      logger: logger,
      machine: MachineID.current(environment: environment)
    )
    defer { reportResourceUsage() }
    do {
      if parsed.awaitStart {
        // The spawn gave up (or died) before the word: nothing was started, nothing to report.
        guard
          let start = awaitStart(
            home: home, agentID: parsed.agentID, registry: registry, provider: parsed.provider),
          let store = start.store
        else { return 0 }
        // A spawn --wait leaves its reconcile pass to this process, after it heard of the settlement.
        defer {
          if start.reconcile { supervisor.reconcile(store: store) }
          closing(store)
        }
        // Closing the socket tells a spawn --wait that the agent settled.
        try supervisor.run(store: store) { closeStartSocket() }
      } else {
        try supervisor.run()
      }
      return 0
    } catch {
      report("\(error)")
      return 1
    }
  }

  private static func report(_ message: String) {
    StandardError.write("multiagent supervisor: error: \(message)\n")
  }

  /// One line in the supervisor's log with its own CPU time and peak memory, which the lifecycle
  /// benchmark reads (`scripts/bench-lifecycle.py`).
  private static func reportResourceUsage() {
    var usage = rusage()
    guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return }
    let cpu =
      Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
      + Double(usage.ru_stime.tv_usec) / 1e6
    let line = "multiagent supervisor: cpu_seconds=\(cpu) max_rss_kb=\(usage.ru_maxrss)\n"
    StandardError.write(line)
  }
}
