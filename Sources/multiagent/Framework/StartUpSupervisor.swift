import MultiAgent
import ProcessKit
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// The supervisor this executable's start-up launched for a `spawn`, before the Swift runtime
/// started (see supervisor_ahead.c in CSupervisorAhead, and `StartUpSupervisor+Launched.swift`,
/// which hands it over here): the spawn takes it over as its supervisor started ahead, or lets it go.
enum StartUpSupervisor {
  /// A supervisor the start-up launched.
  struct Launched: Sendable, Equatable {
    /// The supervisor process, this process's child.
    var pid: Int32
    /// This process's end of its socket (its descriptor 3).
    var socket: Int32
    /// The id its agent is to be recorded under.
    var agentID: String
    /// The `MULTIAGENT_SPAWN_ID` in its environment.
    var spawnID: String
  }

  private static let launched = Mutex<Launched?>(nil)

  /// Hands over the supervisor the start-up launched (`main.swift`, before the command line is read).
  static func offer(_ supervisor: Launched) {
    launched.withLock { $0 = supervisor }
  }

  /// Takes it over for an agent of `provider` in `home` (``AgentManager/adoptEarlySupervisor``).
  ///
  /// - Returns: `nil` when none was launched, or it is gone.
  static func take(supervision: Supervision, home: StateHome, provider: String) -> PendingSupervisor? {
    guard let taken = launched.withLock({ $0.take() }) else { return nil }
    return AgentManager.adoptEarlySupervisor(
      pid: taken.pid, socket: taken.socket, agentID: taken.agentID, spawnID: taken.spawnID,
      supervision: supervision, home: home, provider: provider)
  }

  /// Lets one that was not taken go: its socket closed, it exits without touching anything, and a
  /// background thread reaps it. Nothing when there is none.
  static func release() {
    guard let taken = launched.withLock({ $0.take() }) else { return }
    close(taken.socket)
    ProcessLauncher().reapInBackground(taken.pid)
  }
}
