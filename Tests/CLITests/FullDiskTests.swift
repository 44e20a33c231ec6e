import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
  import Glibc
#endif

/// A full disk under the state home (a small tmpfs mounted on it, so it needs root; skipped
/// otherwise): commands fail loudly and name the cause, nothing is half-made, and a supervisor that
/// cannot write keeps its agent's output and settles it once there is space again.
@Suite(.serialized, .enabled(if: FullDisk.isAvailable, "needs root to mount a small tmpfs"))
struct FullDiskTests {
  @Test func aSpawnOnAFullDiskFailsSayingSoAndLeavesNothing() throws {
    let world = try LifecycleSandbox()
    let disk = try FullDisk(mountingAt: world.home, megabytes: 4)
    defer { disk.unmount() }
    try world.run(["list"])
    try disk.fill()

    let spawned = try world.run([
      "spawn", "--provider", "fake", "--no-worktree", "--cwd", world.repository, "hi",
    ])
    #expect(spawned.exitCode == 1, "\(spawned.stdout) \(spawned.stderr)")
    #expect(spawned.stdout.isEmpty, "no name is printed for an agent that was not made")
    #expect(spawned.stderr.contains("no space left on the disk holding \(world.home)"), "\(spawned.stderr)")

    try disk.free()
    let records = try world.records()
    #expect(records.isEmpty, "\(records)")
    #expect(try world.calls().isEmpty, "no CLI ran")
  }

  @Test func aSupervisorThatCannotWriteKeepsTheOutputAndSettlesOnceThereIsSpace() throws {
    let world = try LifecycleSandbox()
    let disk = try FullDisk(mountingAt: world.home, megabytes: 8)
    defer { disk.unmount() }
    let name = try world.spawn("@gate full disk", name: "cramped", extra: ["--no-worktree"])
    let running = try world.waitUntilRunning(name)
    let id = try #require(running["id"] as? String)

    // The disk fills while the CLI runs (once its first lines are in the log); the CLI goes on
    // and exits meanwhile.
    let logPath = world.stateDirectory(id) + "/output.log"
    let printed = Date().addingTimeInterval(20)
    while ((try? FileManager.default.attributesOfItem(atPath: logPath)[.size] as? Int) ?? 0) == 0,
      Date() < printed
    {
      usleep(20_000)
    }
    try disk.fill()
    try world.openGate()
    let cli = try #require((running["cli"] as? [String: Any])?["pid"] as? Int)
    let deadline = Date().addingTimeInterval(20)
    while kill(pid_t(cli), 0) == 0 && Date() < deadline { usleep(50_000) }
    usleep(2_500_000)
    // It cannot be settled yet (nothing can be written), and it is not given up either.
    let stuck = try world.record(name)
    #expect(stuck["status"] as? String == "running", "\(stuck)")
    let supervisor = try #require((stuck["supervisor"] as? [String: Any])?["pid"] as? Int)
    let supervisorLog =
      (try? String(contentsOfFile: world.stateDirectory(id) + "/supervisor.log", encoding: .utf8)) ?? ""
    #expect(kill(pid_t(supervisor), 0) == 0, "the supervisor waits for space: \(supervisorLog)")

    try disk.free()
    let settled = try world.waitForRecord(name, timeout: 30, "settled") { record in
      ["completed", "failed"].contains(record["status"] as? String ?? "")
    }
    let log = try Data(contentsOf: URL(fileURLWithPath: world.stateDirectory(id) + "/output.log"))
    #expect(settled["parse_offset"] as? Int == log.count, "every byte that reached the log was parsed")
    #expect(String(decoding: log, as: UTF8.self).contains("\"type\":\"system\""))
    if settled["status"] as? String == "failed" { #expect(!(settled["error"] as? String ?? "").isEmpty) }
    let gone = Date().addingTimeInterval(10)
    while kill(pid_t(supervisor), 0) == 0 && Date() < gone { usleep(50_000) }
    #expect(kill(pid_t(supervisor), 0) != 0, "the supervisor ended after settling")
  }
}

/// A small tmpfs mounted on a folder, to be filled and freed.
struct FullDisk {
  let path: String
  var filler: String { path + "/.filler" }

  /// Whether this process may mount one (root, and the mount works here).
  static let isAvailable: Bool = {
    guard geteuid() == 0, let probe = try? TemporaryDirectory(prefix: "tmpfs-probe") else { return false }
    let mountPoint = probe.url.path
    guard (try? run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mountPoint])) == true else {
      return false
    }
    _ = try? run(["umount", mountPoint])
    return true
  }()

  /// Mounts a tmpfs of `megabytes` on `path` (made if missing); what was in the folder is copied
  /// onto it.
  init(mountingAt path: String, megabytes: Int) throws {
    self.path = path
    let manager = FileManager.default
    try manager.createDirectory(atPath: path, withIntermediateDirectories: true)
    var saved: [String: Data] = [:]
    for name in try manager.contentsOfDirectory(atPath: path) {
      saved[name] = manager.contents(atPath: path + "/" + name)
    }
    guard try Self.run(["mount", "-t", "tmpfs", "-o", "size=\(megabytes)m,mode=0700", "tmpfs", path]) else {
      throw CLIRunner.Failure(description: "cannot mount a tmpfs on \(path)")
    }
    for (name, data) in saved {
      guard
        manager.createFile(atPath: path + "/" + name, contents: data, attributes: [.posixPermissions: 0o600])
      else { throw CLIRunner.Failure(description: "cannot copy \(name) onto the tmpfs") }
    }
  }

  /// Writes a file until the disk is full.
  func fill() throws {
    let descriptor = open(filler, O_WRONLY | O_CREAT | O_APPEND, 0o600)
    guard descriptor >= 0 else { throw CLIRunner.Failure(description: "cannot create \(filler)") }
    defer { close(descriptor) }
    let block = [UInt8](repeating: 0, count: 64 * 1024)
    var piece = block.count
    while piece > 0 {
      let written = block.withUnsafeBytes { write(descriptor, $0.baseAddress, piece) }
      if written < 0 && errno == EINTR { continue }
      if written <= 0 { piece /= 2 }
    }
  }

  /// Removes what ``fill()`` wrote.
  func free() throws {
    try FileManager.default.removeItem(atPath: filler)
  }

  func unmount() {
    _ = try? Self.run(["umount", "-l", path])
  }

  private static func run(_ arguments: [String]) throws -> Bool {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus == 0
  }
}
