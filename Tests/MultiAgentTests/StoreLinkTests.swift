@testable import StateStore
import Foundation
import TestSupport
import Testing

@testable import MultiAgent

#if canImport(Glibc)
  import Glibc
#endif

/// The database, its `-wal` and its `-shm` are never used through a symbolic link, never made
/// writable when the user made them read-only, and their modes are set without following anything.
@Suite struct StoreLinkTests {
  let directory: TemporaryDirectory
  let path: String
  let victim: String

  init() throws {
    directory = try TemporaryDirectory(prefix: "store-links")
    path = directory.path("state.db")
    victim = directory.path("victim")
    try "precious\n".write(toFile: victim, atomically: true, encoding: .utf8)
    chmod(victim, 0o644)
  }

  func mode(_ file: String) -> Int {
    var info = stat()
    return lstat(file, &info) == 0 ? Int(info.st_mode & 0o7777) : -1
  }

  func expectVictimUntouched() throws {
    #expect(mode(victim) == 0o644)
    #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious\n")
  }

  @Test(arguments: ["", "-wal", "-shm"])
  func aLinkedFileIsRefused(suffix: String) throws {
    if !suffix.isEmpty { _ = try AgentStore(path: path) }
    try? FileManager.default.removeItem(atPath: path + suffix)
    try FileManager.default.createSymbolicLink(atPath: path + suffix, withDestinationPath: victim)
    let error = #expect(throws: StoreError.self) { try AgentStore(path: path) }
    #expect(error?.code == .cannotOpen)
    #expect(error?.path == path + suffix)
    #expect(error?.message.contains("symbolic link") == true)
    try expectVictimUntouched()
  }

  @Test func aDanglingLinkIsRefusedAndItsTargetNotCreated() throws {
    let missing = directory.path("nowhere/created.db")
    try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: missing)
    let error = #expect(throws: StoreError.self) { try AgentStore(path: path) }
    #expect(error?.message.contains("symbolic link") == true)
    #expect(!FileManager.default.fileExists(atPath: missing))
  }

  @Test func aFolderOrFIFOInPlaceOfTheDatabaseIsRefused() throws {
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    let folder = #expect(throws: StoreError.self) { try AgentStore(path: path) }
    #expect(folder?.message.contains("not a regular file") == true)
    let fifo = directory.path("fifo.db")
    #expect(mkfifo(fifo, 0o600) == 0)
    let error = #expect(throws: StoreError.self) { try AgentStore(path: fifo) }
    #expect(error?.message.contains("not a regular file") == true)
  }

  @Test func aReadOnlyDatabaseIsRefusedAndKeepsItsMode() throws {
    _ = try AgentStore(path: path)
    chmod(path, 0o444)
    let error = #expect(throws: StoreError.self) { try AgentStore(path: path) }
    #expect(error?.code == .readOnly)
    #expect(error?.message.contains("read-only") == true)
    #expect(mode(path) == 0o444)
  }

  @Test func aHardLinkedWideDatabaseIsNotNarrowed() throws {
    #expect(link(victim, path) == 0)
    let error = #expect(throws: StoreError.self) { try AgentStore(path: path) }
    #expect(error?.message.contains("hard links") == true)
    try expectVictimUntouched()
  }

  @Test func narrowingAModeKeepsTheLocksOfAnOpenConnection() throws {
    // The first connection holds the WAL open; widening the file and opening a second connection
    // narrows it again (through an O_PATH descriptor), which must not drop the first one's locks.
    let first = try AgentStore(path: path)
    try first.create(AgentRecord(name: "one", provider: "codex"))
    chmod(path, 0o644)
    let second = try AgentStore(path: path)
    #expect(mode(path) == 0o600)
    try second.create(AgentRecord(name: "two", provider: "codex"))
    #expect(try first.list().count == 2)
  }
}
