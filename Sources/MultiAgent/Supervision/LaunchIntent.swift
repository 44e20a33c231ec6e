import Foundation
import ProcessKit

/// The intent to start a CLI run, recorded before it starts: the spawn id the CLI will carry in its
/// environment (`MULTIAGENT_SPAWN_ID`). A supervisor killed after starting the CLI and before
/// recording it leaves a CLI that nobody follows; reconcile finds it by this id and adopts it, so
/// its run is neither lost nor reported as a crash.
enum LaunchIntent {
  /// Writes a fresh spawn id to `path` (0600) and returns it.
  static func record(at path: String) throws -> String {
    let spawnID = ProcessIdentity.makeSpawnID()
    try FileSystem.writeSecure(Data(spawnID.utf8), to: path)
    return spawnID
  }

  /// The CLI started under the intent at `path` that was never recorded: the live session leader
  /// (the CLI starts in a session of its own) carrying its spawn id, oldest first, other than
  /// `recorded`. A detached supervisor (also a session leader) is found the same way.
  static func unrecordedCLI(intent path: String, recorded: ProcessIdentity?) -> ProcessIdentity? {
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    let spawnID = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    guard !spawnID.isEmpty, recorded?.spawnID != spawnID else { return nil }
    let marker = Array("\(ProcessIdentity.spawnIDVariable)=\(spawnID)".utf8)
    let inspector = ProcessInspector()
    let leaders = inspector.allSnapshots().filter { $0.pid == $0.sessionID && !$0.isZombie }
    for leader in leaders.sorted(by: { $0.startTime < $1.startTime }) {
      guard case .entries(let entries) = inspector.environment(of: leader.pid), entries.contains(marker)
      else { continue }
      return ProcessIdentity(pid: leader.pid, startTime: leader.startTime, spawnID: spawnID)
    }
    return nil
  }
}
