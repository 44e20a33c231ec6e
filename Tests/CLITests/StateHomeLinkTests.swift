import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
  import Glibc
#endif

/// Nothing in the state home is followed through a symbolic link the home did not create, and
/// nothing the user made read-only is made writable: such paths are refused with a clear error,
/// and what they point at keeps its mode and content.
@Suite struct StateHomeLinkTests {
  /// A file outside the home, mode 0644, that a link in the home points at.
  struct Victim {
    let path: String
    static let content = "precious\n"

    init(in sandbox: CLISandbox, name: String = "victim") throws {
      path = sandbox.root.path(name)
      try Self.content.write(toFile: path, atomically: true, encoding: .utf8)
      chmod(path, 0o644)
    }

    /// Its mode and content are what they were.
    func expectUntouched(_ comment: Comment? = nil) throws {
      #expect(try CLISandbox.modeOf(path) == 0o644, comment)
      #expect(try String(contentsOfFile: path, encoding: .utf8) == Self.content, comment)
    }
  }

  @Test func aDatabaseThatIsASymbolicLinkIsRefusedAndItsTargetUntouched() throws {
    let sandbox = try CLISandbox()
    let victim = try Victim(in: sandbox)
    try FileManager.default.createDirectory(atPath: sandbox.home, withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(
      atPath: sandbox.home + "/state.db", withDestinationPath: victim.path)

    let result = try sandbox.run(["list"])
    #expect(result.exitCode != 0)
    #expect(result.stderr.contains(sandbox.home + "/state.db"), "\(result.stderr)")
    #expect(result.stderr.contains("symbolic link"), "\(result.stderr)")
    try victim.expectUntouched()
  }

  @Test(arguments: ["-wal", "-shm"])
  func aDatabaseSidecarThatIsASymbolicLinkIsRefusedAndItsTargetUntouched(suffix: String) throws {
    let sandbox = try CLISandbox()
    #expect(try sandbox.run(["list"]).exitCode == 0)
    let sidecar = sandbox.home + "/state.db" + suffix
    try? FileManager.default.removeItem(atPath: sidecar)
    let victim = try Victim(in: sandbox)
    try FileManager.default.createSymbolicLink(atPath: sidecar, withDestinationPath: victim.path)

    let result = try sandbox.run(["list"])
    #expect(result.exitCode != 0)
    #expect(result.stderr.contains(sidecar), "\(result.stderr)")
    #expect(result.stderr.contains("symbolic link"), "\(result.stderr)")
    try victim.expectUntouched()
  }

  @Test(arguments: ["agents", "accounts", "worktrees"])
  func aStateFolderThatIsASymbolicLinkIsRefusedAndItsTargetUntouched(folder: String) throws {
    let sandbox = try CLISandbox()
    let target = sandbox.root.path("elsewhere")
    try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
    chmod(target, 0o755)
    try FileManager.default.createDirectory(atPath: sandbox.home, withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(
      atPath: sandbox.home + "/" + folder, withDestinationPath: target)

    for arguments in [["list"], ["accounts", "list"]] {
      let result = try sandbox.run(arguments)
      #expect(result.exitCode != 0, "\(arguments)")
      #expect(result.stderr.contains(sandbox.home + "/" + folder), "\(result.stderr)")
      #expect(result.stderr.contains("symbolic link"), "\(result.stderr)")
    }
    #expect(try CLISandbox.modeOf(target) == 0o755)
    #expect(try FileManager.default.contentsOfDirectory(atPath: target).isEmpty)
  }

  @Test func aWorktreesFolderThatIsASymbolicLinkIsNotMadePrivateThroughTheLink() throws {
    let world = try LifecycleSandbox()
    #expect(try world.run(["list"]).exitCode == 0)
    let target = world.sandbox.root.path("elsewhere")
    try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
    chmod(target, 0o755)
    try FileManager.default.removeItem(atPath: world.home + "/worktrees")
    try FileManager.default.createSymbolicLink(atPath: world.home + "/worktrees", withDestinationPath: target)

    let result = try world.run(["spawn", "--provider", "fake", "--cwd", world.repository, "hello"])
    #expect(result.exitCode != 0)
    #expect(result.stderr.contains("symbolic link"), "\(result.stderr)")
    #expect(try CLISandbox.modeOf(target) == 0o755)
    #expect(try FileManager.default.contentsOfDirectory(atPath: target).isEmpty)
  }

  @Test func anAccountsProviderFolderThatIsASymbolicLinkIsRefused() throws {
    let sandbox = try CLISandbox()
    #expect(try sandbox.run(["accounts", "list"]).exitCode == 0)
    let target = sandbox.root.path("elsewhere")
    try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
    chmod(target, 0o755)
    let link = sandbox.home + "/accounts/claude"
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)

    let result = try sandbox.run(
      ["accounts", "add", "claude", "--label", "work", "--token-stdin"], input: "sk-ant-oat01-token")
    #expect(result.exitCode != 0)
    #expect(result.stderr.contains(link), "\(result.stderr)")
    #expect(result.stderr.contains("symbolic link"), "\(result.stderr)")
    #expect(try CLISandbox.modeOf(target) == 0o755)
    #expect(try FileManager.default.contentsOfDirectory(atPath: target).isEmpty)
  }

  @Test func aReadOnlyDatabaseIsRefusedAndStaysReadOnly() throws {
    let sandbox = try CLISandbox()
    #expect(try sandbox.run(["list"]).exitCode == 0)
    let database = sandbox.home + "/state.db"
    let before = try Data(contentsOf: URL(fileURLWithPath: database))
    chmod(database, 0o444)

    let result = try sandbox.run(["list"])
    #expect(result.exitCode != 0)
    #expect(result.stderr.contains(database), "\(result.stderr)")
    #expect(result.stderr.contains("read-only"), "\(result.stderr)")
    #expect(try CLISandbox.modeOf(database) == 0o444)
    #expect(try Data(contentsOf: URL(fileURLWithPath: database)) == before)
  }

  @Test func aReadOnlyHomeIsRefusedAndNothingIsCreated() throws {
    let sandbox = try CLISandbox()
    try FileManager.default.createDirectory(atPath: sandbox.home, withIntermediateDirectories: true)
    chmod(sandbox.home, 0o555)
    defer { chmod(sandbox.home, 0o700) }

    let result = try sandbox.run(["list"])
    #expect(result.exitCode != 0)
    #expect(result.stderr.contains("read-only"), "\(result.stderr)")
    #expect(try CLISandbox.modeOf(sandbox.home) == 0o555)
    #expect(try FileManager.default.contentsOfDirectory(atPath: sandbox.home).isEmpty)
  }
}

extension CLISandbox {
  /// The permission bits of `path` (not following a symbolic link there).
  static func modeOf(_ path: String) throws -> Int {
    var info = stat()
    guard lstat(path, &info) == 0 else { throw CLIRunner.Failure(description: "no file at \(path)") }
    return Int(info.st_mode & 0o7777)
  }
}
