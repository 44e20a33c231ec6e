import Foundation
import ProcessKit

/// The intent to start a process whose identity must be recorded — an agent's CLI (`launch-intent`)
/// or its detached supervisor (`supervisor-intent`) — written before it starts: the spawn id the
/// process will carry in its environment (`MULTIAGENT_SPAWN_ID`). A starter killed between starting
/// the process and recording it leaves a process nobody knows of; reconcile finds it by this id and
/// records it, so a CLI's run is neither lost nor reported as a crash, and no second supervisor is
/// started.
enum LaunchIntent {
  /// Writes a fresh spawn id to `path` (0600) and returns it.
  static func record(at path: String) throws -> String {
    let spawnID = ProcessIdentity.makeSpawnID()
    try FileSystem.writeSecure(spawnID, to: path)
    return spawnID
  }

  /// The process started under the intent at `path` that was never recorded: the live session
  /// leader (a CLI and a detached supervisor each start a session of their own) carrying its spawn
  /// id, oldest first, other than `recorded`.
  static func unrecordedProcess(intent path: String, recorded: ProcessIdentity?) -> ProcessIdentity? {
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    let spawnID = String(decoding: data, as: UTF8.self).trimmedOfWhitespaceAndNewlines
    guard !spawnID.isEmpty, recorded?.spawnID != spawnID else { return nil }
    let marker = Array("\(ProcessIdentity.spawnIDVariable)=\(spawnID)".utf8)
    let inspector = ProcessInspector()
    let leaders = inspector.allSnapshots().filter { $0.pid == $0.sessionID && !$0.isZombie }
    for leader in leaders.sorted(by: { $0.startTime < $1.startTime }) {
      guard case .entries(let entries) = inspector.environment(of: leader.pid), entries.contains(marker)
      else { continue }
      return ProcessIdentity(
        pid: leader.pid, startTime: leader.startTime, spawnID: spawnID, bootID: inspector.bootID())
    }
    return nil
  }
}
