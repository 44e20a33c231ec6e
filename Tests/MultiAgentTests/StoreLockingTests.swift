import Foundation
@testable import MultiAgent
@testable import StateStore
import TestSupport
import Testing

/// Two connections in one process (a supervisor has one for agents and one for accounts) must keep
/// their SQLite locks: another process closing its last connection must not take the WAL away.
@Suite struct StoreLockingTests {
  @Test(
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3"), "needs /usr/bin/sqlite3"))
  func aSecondConnectionDoesNotDropTheFirstOnesLocks() throws {
    let directory = try TemporaryDirectory(prefix: "locks")
    let path = directory.path("state.db")
    let first = try AgentStore(path: path)
    _ = try first.create(AgentRecord(id: "a1", name: "one", provider: "claude"))
    // Opening the same database again in this process used to open and close the file, which
    // drops every POSIX lock the process holds on it.
    let second = try StateDatabase(path: path, schemas: AgentStore.schemas)
    _ = second
    // Another process opens and closes the database; it must not think it is the last user.
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
    process.arguments = [path, "SELECT count(*) FROM agents;"]
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    #expect(FileManager.default.fileExists(atPath: path + "-wal"))

    // A write through the first connection is visible to a new connection.
    try first.update(id: "a1") { $0.result = "visible" }
    let reader = try AgentStore(path: path)
    #expect(try reader.agent(id: "a1")?.result == "visible")
  }
}
