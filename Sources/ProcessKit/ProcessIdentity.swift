/// A process as it was when it was started, precise enough that a reused pid never passes for it.
///
/// A pid alone is ambiguous: after the process exits, the kernel hands the number to the next
/// process, and after a reboot it counts again from 1. The identity adds the boot it ran in (the
/// kernel's random boot id), the start time (clock ticks after that boot, fixed at fork) and a
/// random spawn id that ``ProcessLauncher`` puts in the child's environment as
/// `MULTIAGENT_SPAWN_ID`. ``ProcessInspector/isAlive(_:)`` checks all four. Store it (it is
/// `Codable`) to find the process again from a later, unrelated `multiagent` invocation.
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
  /// The boot the process ran in (`/proc/sys/kernel/random/boot_id` on Linux); empty when unknown
  /// (identities recorded before boots were kept), then the process is looked for in this boot.
  public var bootID: String

  /// Creates an identity.
  public init(pid: Int32, startTime: UInt64, spawnID: String, bootID: String = "") {
    self.pid = pid
    self.startTime = startTime
    self.spawnID = spawnID
    self.bootID = bootID
  }

  private enum CodingKeys: String, CodingKey {
    case pid, startTime, spawnID, bootID
  }

  /// Decodes an identity; one written before boots were kept has an empty ``bootID``.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    self.init(
      pid: try container.decode(Int32.self, forKey: .pid),
      startTime: try container.decode(UInt64.self, forKey: .startTime),
      spawnID: try container.decode(String.self, forKey: .spawnID),
      bootID: try container.decodeIfPresent(String.self, forKey: .bootID) ?? "")
  }

  /// Encodes every field.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(pid, forKey: .pid)
    try container.encode(startTime, forKey: .startTime)
    try container.encode(spawnID, forKey: .spawnID)
    try container.encode(bootID, forKey: .bootID)
  }

  /// A fresh random spawn id: 32 hexadecimal digits (128 bits).
  public static func makeSpawnID() -> String {
    var generator = SystemRandomNumberGenerator()
    // Written digit by digit into ASCII bytes: `String(_:radix:)` is generic and costs every
    // process that starts a child a runtime witness-table lookup, and `joined` is not specialized.
    let digits = Array("0123456789abcdef".utf8)
    var bytes = [UInt8](repeating: 0, count: 32)
    for half in 0..<2 {
      let value: UInt64 = generator.next()
      for index in 0..<16 {
        bytes[half * 16 + index] = digits[Int(truncatingIfNeeded: value >> UInt64(60 - 4 * index)) & 15]
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// `pid 123 (start 456, spawn 0123…)`.
  public var description: String {
    "pid \(pid) (start \(startTime), spawn \(spawnID.isEmpty ? "unknown" : spawnID))"
  }
}
