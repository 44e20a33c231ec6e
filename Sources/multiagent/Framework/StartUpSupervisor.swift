import CSupervisorAhead
import MultiAgent
import ProcessKit

#if canImport(Glibc)
  import Glibc
#endif

/// The supervisor this executable's start-up launched for a `spawn`, before the Swift runtime
/// started (see supervisor_ahead.c in CSupervisorAhead): the spawn takes it over as its supervisor
/// started ahead, or lets it go.
enum StartUpSupervisor {
  /// Takes it over for an agent of `provider` in `home` (``AgentManager/adoptEarlySupervisor``).
  ///
  /// - Returns: `nil` when none was launched, or it is gone.
  static func take(supervision: Supervision, home: StateHome, provider: String) -> PendingSupervisor? {
    var launched = multiagent_supervisor_ahead()
    guard multiagent_take_supervisor_ahead(&launched) == 1 else { return nil }
    let agentID = withUnsafeBytes(of: launched.agent_id) { String(decoding: $0.prefix(16), as: UTF8.self) }
    let spawnID = withUnsafeBytes(of: launched.spawn_id) { String(decoding: $0.prefix(32), as: UTF8.self) }
    return AgentManager.adoptEarlySupervisor(
      pid: launched.pid, socket: launched.socket, agentID: agentID, spawnID: spawnID,
      supervision: supervision,
      home: home, provider: provider)
  }

  /// Lets one that was not taken go: its socket closed, it exits without touching anything, and a
  /// background thread reaps it. Nothing when there is none.
  static func release() {
    var launched = multiagent_supervisor_ahead()
    guard multiagent_take_supervisor_ahead(&launched) == 1 else { return }
    close(launched.socket)
    ProcessLauncher().reapInBackground(launched.pid)
  }
}
