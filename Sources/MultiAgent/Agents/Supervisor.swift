import Foundation
import ProviderKit

#if canImport(Glibc)
  import Glibc
#endif

/// Watches one agent's run: starts the provider CLI (or adopts one whose supervisor died), tails
/// and parses its output into the store as it appears, and settles the status when it exits.
///
/// The `multiagent` CLI runs one supervisor per running agent as a detached process
/// (`multiagent __supervise <id>`), so no daemon is needed; a library user may call ``run()`` on a
/// thread of their own instead.
public struct Supervisor: Sendable {
  /// How often the log is polled while the CLI runs.
  public static let pollInterval: Duration = .milliseconds(50)

  let home: StateHome
  let agentID: String
  let adopt: Bool

  /// A supervisor for agent `agentID`. With `adopt`, it follows a CLI already running (its previous
  /// supervisor died) instead of starting one.
  public init(home: StateHome, agentID: String, adopt: Bool = false) {
    self.home = home
    self.agentID = agentID
    self.adopt = adopt
  }

  /// Supervises the run to its end.
  ///
  /// - Returns: the agent's status when the run settled.
  /// - Throws: ``AgentError`` when the agent cannot be found or its state cannot be read.
  @discardableResult
  public func run() throws -> AgentStatus {
    let store = try AgentStore(home: home)
    guard let record = try store.agent(id: agentID) else {
      throw AgentError(.notFound, "no agent with id \(agentID)")
    }
    let registry: ProviderRegistry
    do { registry = try home.providerRegistry() } catch {
      return try fail(store, "cannot load providers: \(error)")
    }
    guard let provider = try? registry.provider(named: record.provider) else {
      return try fail(store, "provider \(record.provider) is no longer defined")
    }
    if let me = try? ProcessInspector().currentIdentity() {
      try store.update(id: agentID) { $0.supervisor = me }
    }
    let paths = AgentPaths(home: home, id: agentID)
    var follower = OutputFollower(
      path: paths.outputLog, offset: record.parseOffset,
      parser: provider.makeParser(context: ParserContext()))
    var committed = record.parseOffset

    if adopt {
      guard let cli = record.cli else { return try fail(store, "nothing to adopt: no CLI was recorded") }
      let inspector = ProcessInspector()
      while inspector.isAlive(cli) {
        try commit(follower.poll(), follower.committedOffset, store, &committed)
        Thread.sleep(forTimeInterval: 0.1)
      }
      try commit(follower.poll(final: true), follower.committedOffset, store, &committed)
      return try Self.settle(store: store, id: agentID, exit: nil, paths: paths)
    }

    let plan: RunPlan
    do { plan = try RunPlan.read(from: paths.runPlan) } catch {
      return try fail(store, "cannot read the run plan: \(error)")
    }
    let workingDirectory = record.worktreePath ?? record.cwd ?? FileSystem.currentDirectory
    let request = CommandRequest(
      prompt: plan.prompt, workingDirectory: workingDirectory, model: record.model,
      extraArguments: record.extraArguments,
      environment: [
        "MULTIAGENT_AGENT_ID": agentID, QuestionProtocol.signalFileVariable: paths.signalFile,
        StateHome.environmentVariable: home.path,
      ],
      runningAsRoot: geteuid() == 0)
    if plan.kind == .resume && plan.sessionID == nil { return try fail(store, "a resume needs a session id") }
    let command: CommandSpec
    do {
      switch plan.kind {
      case .spawn: command = try provider.spawnCommand(for: request, sessionID: plan.sessionID)
      case .resume: command = try provider.resumeCommand(for: request, sessionID: plan.sessionID ?? "")
      }
    } catch { return try fail(store, error.message) }

    // A signal left by an earlier run must not be mistaken for this run's.
    unlink(paths.signalFile)
    var input = ProcessLaunchConfiguration.Input.null
    if case .text(let text) = command.standardInput {
      try FileSystem.writeSecure(Data(text.utf8), to: paths.standardInput)
      input = .file(paths.standardInput)
    }
    var inherited = ProcessInfo.processInfo.environment
    inherited.removeValue(forKey: ProcessIdentity.spawnIDVariable)
    let environment = command.resolvedEnvironment(inheriting: inherited)
    // The definition may name alternatives (`agent` for `cursor-agent`): use the one installed.
    let executable = ProviderInspector(environment: environment).locate(provider.definition) ?? command.executable
    let configuration = ProcessLaunchConfiguration(
      executable: executable, arguments: command.arguments,
      environment: environment, workingDirectory: command.workingDirectory,
      standardInput: input, output: .appendingToFile(paths.outputLog))

    // Someone may have stopped the agent while this supervisor started.
    guard try store.agent(id: agentID)?.status == .starting else { return try currentStatus(store) }
    let launcher = ProcessLauncher()
    let cli: ProcessIdentity
    do { cli = try launcher.launch(configuration) } catch {
      return try fail(store, "cannot start \(command.executable): \(error.message)")
    }
    let started = try store.transition(
      id: agentID, from: [.starting], to: .running, message: "\(command.executable) started (pid \(cli.pid))"
    ) { record in
      record.cli = cli
      record.exitCode = nil
      record.exitSignal = nil
      if let pinned = command.sessionID, record.sessionID == nil { record.sessionID = pinned }
    }
    if !started.applied {
      // Stopped between the check and the launch: do not leave the CLI running.
      kill(-cli.pid, SIGKILL)
      let exit = try? launcher.waitForExit(cli.pid)
      try commit(follower.poll(final: true), follower.committedOffset, store, &committed)
      return try Self.settle(store: store, id: agentID, exit: exit, paths: paths)
    }

    var exit: ExitStatus?
    while exit == nil {
      try commit(follower.poll(), follower.committedOffset, store, &committed)
      // A wait that fails (the child is gone unseen) ends the loop: settle without an exit status.
      do { exit = try launcher.exitStatusIfExited(cli.pid) } catch { break }
      if exit == nil { Thread.sleep(forTimeInterval: 0.05) }
    }
    try commit(follower.poll(final: true), follower.committedOffset, store, &committed)
    return try Self.settle(store: store, id: agentID, exit: exit, paths: paths)
  }

  /// Stores what the parsed lines changed together with the offset after them, in one transaction:
  /// a crash between polls re-parses nothing twice and skips nothing.
  private func commit(_ events: [AgentEvent], _ offset: Int64, _ store: AgentStore, _ last: inout Int64) throws {
    if events.isEmpty && offset == last { return }
    last = offset
    try store.update(id: agentID) { record in
      RunOutcome.fold(events, into: &record)
      record.parseOffset = offset
    }
  }

  private func fail(_ store: AgentStore, _ message: String) throws -> AgentStatus {
    try store.transition(id: agentID, from: [.starting, .running], to: .failed, message: message) {
      $0.error = message
    }
    return try currentStatus(store)
  }

  private func currentStatus(_ store: AgentStore) throws -> AgentStatus {
    try store.agent(id: agentID)?.status ?? .failed
  }

  /// Settles the agent after its CLI exited (`exit` is `nil` when nobody saw how).
  static func settle(store: AgentStore, id: String, exit: ExitStatus?, paths: AgentPaths) throws -> AgentStatus {
    let signal = Result { () throws(SignalError) in try AgentSignal.read(at: paths.signalFile) }
    guard let record = try store.agent(id: id) else { return .failed }
    let settlement = RunOutcome.settle(record, exit: exit, signal: signal)
    let transition = try store.transition(
      id: id, from: [.starting, .running], to: settlement.status, message: settlement.message
    ) { record in
      record.result = settlement.result
      record.error = settlement.error
      record.pendingQuestions = settlement.questions
      Self.recordExit(exit, into: &record)
    }
    if !transition.applied {
      // Already settled (e.g. stopped by the user): keep its status, record how the CLI ended.
      try store.update(id: id) { Self.recordExit(exit, into: &$0) }
    }
    return try store.agent(id: id)?.status ?? settlement.status
  }

  private static func recordExit(_ exit: ExitStatus?, into record: inout AgentRecord) {
    switch exit {
    case .exited(let code)?: record.exitCode = code
    case .signaled(let number)?: record.exitSignal = number
    case nil: break
    }
  }
}
