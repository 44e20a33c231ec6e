import Foundation
import TestSupport
import Testing

@testable import MultiAgent

#if canImport(Glibc)
  import Glibc
#endif

/// The writes that reuse a file already there instead of creating one: a run plan through its
/// staging file, a new agent's files, a launch intent over the last one. None follows a link.
@Suite struct InPlaceWriteTests {
  @Test func aRunPlanWrittenThroughItsStagingFileKeepsThatFile() throws {
    let directory = try TemporaryDirectory(prefix: "staging")
    let staging = directory.path("run.json.next")
    let target = directory.path("run.json")
    try makeEmptyPrivateFile(staging)
    let before = inode(staging)
    try FileSystem.writeSecure(Array("{\"kind\":\"spawn\"}".utf8), to: target, staging: staging)
    #expect(inode(target) == before)
    #expect(!FileManager.default.fileExists(atPath: staging))
    #expect(try String(contentsOfFile: target, encoding: .utf8) == "{\"kind\":\"spawn\"}")
    #expect(mode(target) == 0o600)
  }

  @Test func withoutAUsableStagingFileTheWriteMakesANewFile() throws {
    let directory = try TemporaryDirectory(prefix: "staging")
    let target = directory.path("run.json")
    // None there.
    try FileSystem.writeSecure(Array("one".utf8), to: target, staging: directory.path("missing"))
    #expect(try String(contentsOfFile: target, encoding: .utf8) == "one")
    // One others may read: not used, left as it was.
    let readable = directory.path("readable")
    try "old".write(toFile: readable, atomically: false, encoding: .utf8)
    chmod(readable, 0o644)
    try FileSystem.writeSecure(Array("two".utf8), to: target, staging: readable)
    #expect(try String(contentsOfFile: target, encoding: .utf8) == "two")
    #expect(try String(contentsOfFile: readable, encoding: .utf8) == "old")
    #expect(mode(target) == 0o600)
    // A link: not followed, its target untouched.
    let elsewhere = directory.path("elsewhere")
    try "outside".write(toFile: elsewhere, atomically: false, encoding: .utf8)
    chmod(elsewhere, 0o600)
    try FileManager.default.createSymbolicLink(atPath: directory.path("link"), withDestinationPath: elsewhere)
    try FileSystem.writeSecure(Array("three".utf8), to: target, staging: directory.path("link"))
    #expect(try String(contentsOfFile: target, encoding: .utf8) == "three")
    #expect(try String(contentsOfFile: elsewhere, encoding: .utf8) == "outside")
  }

  @Test func aNewFileIsWrittenWhereItLiesOrCreatedPrivate() throws {
    let directory = try TemporaryDirectory(prefix: "new-file")
    let lying = directory.path("prompt.md")
    try makeEmptyPrivateFile(lying)
    let before = inode(lying)
    try FileSystem.writeNew("the task", to: lying)
    #expect(inode(lying) == before)
    #expect(try String(contentsOfFile: lying, encoding: .utf8) == "the task")
    let created = directory.path("token")
    try FileSystem.writeNew("secret", to: created)
    #expect(try String(contentsOfFile: created, encoding: .utf8) == "secret")
    #expect(mode(created) == 0o600)
    // Never through a link.
    let elsewhere = directory.path("elsewhere")
    try "outside".write(toFile: elsewhere, atomically: false, encoding: .utf8)
    try FileManager.default.createSymbolicLink(atPath: directory.path("link"), withDestinationPath: elsewhere)
    #expect(throws: AgentError.self) { try FileSystem.writeNew("x", to: directory.path("link")) }
    #expect(try String(contentsOfFile: elsewhere, encoding: .utf8) == "outside")
  }

  @Test func whatAFileHeldBeforeIsGoneAfterTheWrite() throws {
    // An empty file is written as it is (not truncated: see `FileSystem.emptied`); one that holds
    // something is emptied first, through the new file's path and through a staging file alike.
    let directory = try TemporaryDirectory(prefix: "leftovers")
    let lying = directory.path("prompt.md")
    try makeEmptyPrivateFile(lying)
    try "a much longer text that was there before".write(toFile: lying, atomically: false, encoding: .utf8)
    try FileSystem.writeNew("short", to: lying)
    #expect(try String(contentsOfFile: lying, encoding: .utf8) == "short")
    let staging = directory.path("run.json.next")
    try makeEmptyPrivateFile(staging)
    try "{\"left\":\"over from a crash\"}".write(toFile: staging, atomically: false, encoding: .utf8)
    let target = directory.path("run.json")
    try FileSystem.writeSecure(Array("{}".utf8), to: target, staging: staging)
    #expect(try String(contentsOfFile: target, encoding: .utf8) == "{}")
  }

  @Test func aLaunchIntentIsWrittenOverTheLastOne() throws {
    let directory = try TemporaryDirectory(prefix: "intent")
    let path = directory.path("launch-intent")
    // A first intent, with none there: a new file.
    let first = try LaunchIntent.record(at: path)
    #expect(try String(contentsOfFile: path, encoding: .utf8) == first)
    #expect(mode(path) == 0o600)
    // The next one over it, in the same file; longer leftovers cut.
    try (first + "left over by hand").write(toFile: path, atomically: false, encoding: .utf8)
    let before = inode(path)
    let second = try LaunchIntent.record(at: path)
    #expect(second != first && second.count == 32)
    #expect(inode(path) == before)
    #expect(try String(contentsOfFile: path, encoding: .utf8) == second)
  }

  @Test func aLaunchIntentReplacesALinkWithoutFollowingIt() throws {
    let directory = try TemporaryDirectory(prefix: "intent")
    let elsewhere = directory.path("elsewhere")
    try "outside".write(toFile: elsewhere, atomically: false, encoding: .utf8)
    chmod(elsewhere, 0o600)
    let path = directory.path("launch-intent")
    try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: elsewhere)
    let id = try LaunchIntent.record(at: path)
    #expect(try String(contentsOfFile: elsewhere, encoding: .utf8) == "outside")
    var info = stat()
    #expect(lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG)
    #expect(try String(contentsOfFile: path, encoding: .utf8) == id)
  }

  private func makeEmptyPrivateFile(_ path: String) throws {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
    #expect(descriptor >= 0)
    close(descriptor)
  }

  private func inode(_ path: String) -> UInt {
    var info = stat()
    return lstat(path, &info) == 0 ? UInt(info.st_ino) : 0
  }

  private func mode(_ path: String) -> mode_t {
    var info = stat()
    return lstat(path, &info) == 0 ? info.st_mode & 0o777 : 0
  }
}
