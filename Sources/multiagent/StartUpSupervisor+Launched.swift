import CSupervisorAhead

extension StartUpSupervisor {
  /// The supervisor the C initializer in CSupervisorAhead launched for a spawn, if any, taken from
  /// it. (Kept out of Framework/, which the fuzz package compiles without the C targets.)
  static func takeFromStartUp() -> Launched? {
    var launched = multiagent_supervisor_ahead()
    guard multiagent_take_supervisor_ahead(&launched) == 1 else { return nil }
    let agentID = withUnsafeBytes(of: launched.agent_id) { String(decoding: $0.prefix(16), as: UTF8.self) }
    let spawnID = withUnsafeBytes(of: launched.spawn_id) { String(decoding: $0.prefix(32), as: UTF8.self) }
    return Launched(pid: launched.pid, socket: launched.socket, agentID: agentID, spawnID: spawnID)
  }
}
