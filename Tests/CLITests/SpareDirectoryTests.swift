import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
  import Glibc
#endif

/// A spawn takes a state folder made ahead (`<home>/spare/ready`, its files there and empty)
/// instead of creating the folder and its files; the supervisor of an agent that settled makes
/// the next one, one maker at a time. Only a folder is ever taken, and a half-made one is removed.
@Suite struct SpareDirectoryTests {
  static let files = ["token", "prompt.md", "run.json.next", "output.log", "supervisor.log", "launch-intent"]

  @Test func aSettledAgentLeavesASpareThatTheNextSpawnTakesWhole() throws {
    let (world, spare) = try worldWithSpare()
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
    // Whatever spare is there now was made after (a new folder, not the one taken).
    var now = stat()
    #expect(lstat(spare, &now) != 0 || now.st_ino != folder.st_ino)
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

  @Test func somethingElseInTheSparesPlaceIsNeverTakenNorFollowed() throws {
    let (world, ready) = try worldWithSpare()
    // In the spare's place, a link to a folder outside the home.
    try removeSpare(ready)
    let outside = world.sandbox.root.path("outside")
    try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: ready, withDestinationPath: outside)

    try spawnAndWait(world, name: "second", prompt: "second task")
    let id = try #require(try world.record("second")["id"] as? String)
    var info = stat()
    #expect(lstat(world.stateDirectory(id), &info) == 0 && info.st_mode & S_IFMT == S_IFDIR)
    #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
    #expect(try world.record("second")["status"] as? String == "completed")
    // The link is gone, and a real spare made in its place once the agent settled.
    let made = try #require(waitForSpare(world))
    #expect(lstat(made, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR)
  }

  @Test func aLinkInTheSpareFoldersPlaceIsNotFollowed() throws {
    let (world, ready) = try worldWithSpare()
    // The whole spare folder replaced by a link to one outside the home, with a `ready` in it.
    let outside = world.sandbox.root.path("outside-spare")
    try FileManager.default.createDirectory(atPath: outside + "/ready", withIntermediateDirectories: true)
    try removeSpare(ready)
    try FileManager.default.removeItem(atPath: world.home + "/spare")
    try FileManager.default.createSymbolicLink(atPath: world.home + "/spare", withDestinationPath: outside)

    try spawnAndWait(world, name: "second", prompt: "second task")
    var info = stat()
    #expect(lstat(outside + "/ready", &info) == 0 && info.st_mode & S_IFMT == S_IFDIR, "taken from outside")
    #expect(try FileManager.default.contentsOfDirectory(atPath: outside + "/ready").isEmpty)
    #expect(try world.record("second")["status"] as? String == "completed")
  }

  /// One process makes the spare at a time (it holds `spare/.lock`); the next maker removes what
  /// one that died left half made.
  @Test func oneMakerAtATimeAndAHalfMadeSpareIsRemoved() throws {
    let (world, ready) = try worldWithSpare()
    try removeSpare(ready)
    let making = world.home + "/spare/.making"
    try FileManager.default.createDirectory(atPath: making, withIntermediateDirectories: false)
    for file in Self.files.prefix(3) {
      try "".write(toFile: making + "/" + file, atomically: false, encoding: .utf8)
    }
    // This process holds the lock: the next supervisor makes nothing and removes nothing.
    let lock = open(world.home + "/spare/.lock", O_RDWR | O_CREAT, 0o600)
    #expect(lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) == 0)
    try spawnAndWait(world, name: "second", prompt: "second task")
    try waitForSupervisorExit(world, name: "second")
    #expect(!FileManager.default.fileExists(atPath: ready))
    #expect(FileManager.default.fileExists(atPath: making + "/" + Self.files[0]))
    // Released: the next one removes the half-made spare and makes a whole one.
    close(lock)
    try spawnAndWait(world, name: "third", prompt: "third task")
    #expect(waitForSpare(world) != nil)
    #expect(!FileManager.default.fileExists(atPath: making))
  }

  // MARK: - Helpers

  /// A sandbox whose first agent settled, and the spare its supervisor made then.
  private func worldWithSpare() throws -> (LifecycleSandbox, String) {
    let world = try LifecycleSandbox()
    try spawnAndWait(world, name: "first", prompt: "first task")
    let spare = try #require(waitForSpare(world), "no spare folder after the first agent settled")
    return (world, spare)
  }

  private func spawnAndWait(_ world: LifecycleSandbox, name: String, prompt: String) throws {
    let result = try world.run([
      "spawn", "--provider", "fake", "--no-worktree", "--cwd", world.repository, "--name", name, "--wait",
      prompt,
    ])
    #expect(result.exitCode == 0, "\(result.stderr)")
    #expect(result.stdout == "\(name)\ncompleted\n")
  }

  /// `<home>/spare/ready`, once it is there; `nil` after 30 s.
  private func waitForSpare(_ world: LifecycleSandbox) -> String? {
    let ready = world.home + "/spare/ready"
    let deadline = Date().addingTimeInterval(30)
    while Date() < deadline {
      var info = stat()
      if lstat(ready, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR { return ready }
      usleep(20_000)
    }
    return nil
  }

  private func removeSpare(_ path: String) throws {
    try FileManager.default.removeItem(atPath: path)
  }

  /// Returns once the supervisor recorded for agent `name` has exited (fails after 30 s).
  private func waitForSupervisorExit(_ world: LifecycleSandbox, name: String) throws {
    let supervisor = try world.record(name)["supervisor"] as? [String: Any]
    let pid = try #require((supervisor?["pid"] as? NSNumber)?.int32Value)
    let deadline = Date().addingTimeInterval(30)
    while kill(pid, 0) == 0 && Date() < deadline { usleep(20_000) }
    #expect(kill(pid, 0) != 0, "supervisor \(pid) still runs")
  }
}
