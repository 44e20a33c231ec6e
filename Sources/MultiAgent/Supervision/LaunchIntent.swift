import Foundation
import ProcessKit

/// The intent to start a process whose identity must be recorded — an agent's CLI (`launch-intent`)
/// or its detached supervisor (`supervisor-intent`) — written before it starts: the spawn id the
/// process will carry in its environment (`MULTIAGENT_SPAWN_ID`). A starter killed between starting
/// the process and recording it leaves a process nobody knows of; reconcile finds it by this id and
/// records it, so a CLI's run is neither lost nor reported as a crash, and no second supervisor is
/// started.
enum LaunchIntent {
  /// Writes a fresh spawn id to `path` (0600) and returns it: over the one there in place (the
  /// file a spare folder holds, or an earlier run's), else into a new file.
  ///
  /// A spawn id is always 32 characters, written by one `pwrite` at the start: a reader sees the
  /// old id or the new one. Only a dead supervisor's intent is read (see
  /// `unrecordedProcess(intent:recorded:)`), and one killed while writing had not started its CLI.
  static func record(at path: String) throws -> String {
    let spawnID = ProcessIdentity.makeSpawnID()
    if !overwrite(path, with: Array(spawnID.utf8)) { try FileSystem.writeSecure(spawnID, to: path) }
    return spawnID
  }

  /// Writes `bytes` over the start of the private file at `path` (``FileSystem/openPrivateFile(_:)``)
  /// and cuts it there; `false` when there is no such file (nothing written).
  private static func overwrite(_ path: String, with bytes: [UInt8]) -> Bool {
    guard let (descriptor, size) = FileSystem.openPrivateFile(path) else { return false }
    defer { close(descriptor) }
    let written = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    // Cut only when something longer was there (never, with ids of one length): a truncation is a
    // metadata change of its own on every CLI's start.
    return written == bytes.count
      && (size <= off_t(bytes.count) || ftruncate(descriptor, off_t(bytes.count)) == 0)
  }

  /// The process started under the intent at `path` that was never recorded: the live session
  /// leader (a CLI and a detached supervisor each start a session of their own) carrying its spawn
  /// id, oldest first, other than `recorded`.
  static func unrecordedProcess(intent path: String, recorded: ProcessIdentity?) -> ProcessIdentity? {
    guard let data = FileSystem.contents(atPath: path) else { return nil }
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
