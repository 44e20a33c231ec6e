/// A process as it was when it was started, precise enough that a reused pid never passes for it.
///
/// A pid alone is ambiguous: after the process exits, the kernel hands the number to the next
/// process. The identity adds the start time (clock ticks after boot, fixed at fork) and a random
/// spawn id that ``ProcessLauncher`` puts in the child's environment as `MULTIAGENT_SPAWN_ID`.
/// ``ProcessInspector/isAlive(_:)`` checks all three. Store it (it is `Codable`) to find the
/// process again from a later, unrelated `multiagent` invocation.
public struct ProcessIdentity: Sendable, Hashable, Codable, CustomStringConvertible {
  /// The name of the environment variable that carries ``spawnID`` into the child.
  public static let spawnIDVariable = "MULTIAGENT_SPAWN_ID"

  /// The process id.
  public var pid: Int32
  /// When the process started, in clock ticks after boot (field 22 of `/proc/<pid>/stat` on Linux).
  public var startTime: UInt64
  /// The random token in the process's environment; empty when unknown (then only the start time
  /// is compared).
  public var spawnID: String

  /// Creates an identity.
  public init(pid: Int32, startTime: UInt64, spawnID: String) {
    self.pid = pid
    self.startTime = startTime
    self.spawnID = spawnID
  }

  /// A fresh random spawn id: 32 hexadecimal digits (128 bits).
  public static func makeSpawnID() -> String {
    var generator = SystemRandomNumberGenerator()
    return (0..<2).map { _ in
      let hex = String(generator.next() as UInt64, radix: 16)
      return String(repeating: "0", count: 16 - hex.count) + hex
    }.joined()
  }

  /// `pid 123 (start 456, spawn 0123…)`.
  public var description: String {
    "pid \(pid) (start \(startTime), spawn \(spawnID.isEmpty ? "unknown" : spawnID))"
  }
}
