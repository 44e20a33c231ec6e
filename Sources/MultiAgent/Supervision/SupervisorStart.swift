import Foundation
import ProcessKit
import ProviderKit

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
      _ = try storeCall { try store.update(id: id) { $0.supervisor = identity } }
      let supervisor = Supervisor(
        home: home, agentID: id, adopt: adopt, registry: registry, supervision: supervision, logger: logger)
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
      do {
        let identity = try ProcessLauncher().launchDetached(
          ProcessLaunchConfiguration(
            executable: executable, arguments: arguments + words, environment: supervisorEnvironment(),
            workingDirectory: "/", standardInput: .null,
            output: .appendingToFile(AgentPaths(home: home, id: id).supervisorLog)))
        try store.update(id: id) { $0.supervisor = identity }
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
  /// the queued agents it starts are supervised the same way).
  func supervisorEnvironment() -> [String: String] {
    Self.supervisorEnvironment(supervision)
  }

  static func supervisorEnvironment(_ supervision: Supervision) -> [String: String] {
    var environment = ProcessEnvironment.current
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
  /// - Returns: `nil` for in-process supervision, or when it cannot be started (the spawn then starts
  ///   one the usual way).
  public static func prelaunchSupervisor(
    _ supervision: Supervision, home: StateHome, provider: String
  ) -> PendingSupervisor? {
    guard case .detached(let executable, let arguments) = supervision else { return nil }
    let id = AgentRecord.newID()
    let words = SupervisorArguments(home: home.path, agentID: id, awaitStart: true, provider: provider).words
    return PendingSupervisor.launch(
      agentID: id, executable: executable, arguments: arguments + words,
      environment: supervisorEnvironment(supervision))
  }
}
