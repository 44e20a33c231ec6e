import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
  import Glibc
#endif

/// A spawn takes a state folder made ahead (`<home>/spare/<name>`, its files there and empty)
/// instead of creating the folder and its files; the supervisor of an agent that settled makes
/// the next one. Only a folder is ever taken, and a half-made one of a dead process is removed.
@Suite struct SpareDirectoryTests {
  static let files = ["token", "prompt.md", "run.json.next", "output.log", "supervisor.log", "launch-intent"]

  @Test func aSettledAgentLeavesASpareThatTheNextSpawnTakesWhole() throws {
    let world = try LifecycleSandbox()
    try spawnAndWait(world, name: "first", prompt: "first task")
    let spare = try #require(waitForSpare(world), "no spare folder after the first agent settled")
    var folder = stat()
    #expect(lstat(spare, &folder) == 0 && folder.st_mode & 0o777 == 0o700)
    for file in Self.files {
      var info = stat()
      #expect(lstat(spare + "/" + file, &info) == 0, "\(file) missing from the spare")
      #expect(
        info.st_mode & S_IFMT == S_IFREG && info.st_size == 0 && info.st_mode & 0o777 == 0o600, "\(file)")
    }

    try spawnAndWait(world, name: "second", prompt: "second task")
    let id = try #require(try world.record("second")["id"] as? String)
    let directory = world.stateDirectory(id)
    var taken = stat()
    #expect(lstat(directory, &taken) == 0)
    #expect(taken.st_ino == folder.st_ino, "the agent's folder is not the spare it took")
    #expect(!FileManager.default.fileExists(atPath: spare))
    #expect(!FileManager.default.fileExists(atPath: directory + "/run.json.next"))
    // Every file was written where it lay, and keeps its mode.
    #expect(try String(contentsOfFile: directory + "/prompt.md", encoding: .utf8).hasPrefix("second task"))
    #expect(try String(contentsOfFile: directory + "/token", encoding: .utf8).count >= 32)
    #expect(try String(contentsOfFile: directory + "/launch-intent", encoding: .utf8).count == 32)
    #expect(try String(contentsOfFile: directory + "/output.log", encoding: .utf8).contains("second task"))
    #expect(FileManager.default.fileExists(atPath: directory + "/run.json"))
    for file in ["token", "prompt.md", "run.json", "output.log", "supervisor.log", "launch-intent"] {
      var info = stat()
      #expect(lstat(directory + "/" + file, &info) == 0 && info.st_mode & 0o777 == 0o600, "\(file)")
    }
    #expect(try world.record("second")["status"] as? String == "completed")
  }

  @Test func somethingElseInTheSpareFolderIsNeverTaken() throws {
    let world = try LifecycleSandbox()
    try spawnAndWait(world, name: "first", prompt: "first task")
    _ = try #require(waitForSpare(world))
    // Take the real spare away; leave a link to a folder outside the home, and a plain file.
    for name in try FileManager.default.contentsOfDirectory(atPath: world.home + "/spare") {
      try FileManager.default.removeItem(atPath: world.home + "/spare/" + name)
    }
    let outside = world.sandbox.root.path("outside")
    try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(
      atPath: world.home + "/spare/link", withDestinationPath: outside)
    try "not a folder".write(toFile: world.home + "/spare/file", atomically: true, encoding: .utf8)

    try spawnAndWait(world, name: "second", prompt: "second task")
    let id = try #require(try world.record("second")["id"] as? String)
    var info = stat()
    #expect(lstat(world.stateDirectory(id), &info) == 0 && info.st_mode & S_IFMT == S_IFDIR)
    #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
    #expect(FileSystemEntry.kind(world.home + "/spare/link") == .symbolicLink)
    #expect(try world.record("second")["status"] as? String == "completed")
  }

  @Test func aHalfMadeSpareOfADeadProcessIsRemovedAndALiveOnesIsKept() throws {
    let world = try LifecycleSandbox()
    try spawnAndWait(world, name: "first", prompt: "first task")
    _ = try #require(waitForSpare(world))
    let folder = world.home + "/spare"
    for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
      try FileManager.default.removeItem(atPath: folder + "/" + name)
    }
    let dead = try deadPID()
    let live = getpid()
    for pid in [dead, live] {
      let making = folder + "/.making-\(pid)"
      try FileManager.default.createDirectory(atPath: making, withIntermediateDirectories: false)
      for file in Self.files.prefix(3) {
        try "".write(toFile: making + "/" + file, atomically: false, encoding: .utf8)
      }
    }

    try spawnAndWait(world, name: "second", prompt: "second task")
    #expect(waitForSpare(world) != nil)
    let names = try FileManager.default.contentsOfDirectory(atPath: folder)
    #expect(!names.contains(".making-\(dead)"), "\(names)")
    #expect(names.contains(".making-\(live)"), "\(names)")
  }

  // MARK: - Helpers

  private func spawnAndWait(_ world: LifecycleSandbox, name: String, prompt: String) throws {
    let result = try world.run([
      "spawn", "--provider", "fake", "--no-worktree", "--cwd", world.repository, "--name", name, "--wait",
      prompt,
    ])
    #expect(result.exitCode == 0, "\(result.stderr)")
    #expect(result.stdout == "\(name)\ncompleted\n")
  }

  /// The ready spare (a name not starting with a dot), once there is one; `nil` after 30 s.
  private func waitForSpare(_ world: LifecycleSandbox) -> String? {
    let folder = world.home + "/spare"
    let deadline = Date().addingTimeInterval(30)
    while Date() < deadline {
      let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
      if let ready = names.first(where: { !$0.hasPrefix(".") }) { return folder + "/" + ready }
      usleep(20_000)
    }
    return nil
  }

  /// The pid of a process that ran and was reaped.
  private func deadPID() throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/true")
    try process.run()
    process.waitUntilExit()
    return process.processIdentifier
  }
}

/// What is at a path, without following a link.
private enum FileSystemEntry: Equatable {
  case missing, symbolicLink, other

  static func kind(_ path: String) -> FileSystemEntry {
    var info = stat()
    guard lstat(path, &info) == 0 else { return .missing }
    return info.st_mode & S_IFMT == S_IFLNK ? .symbolicLink : .other
  }
}
