import Foundation
import TestSupport
import Testing

@testable import StateStore

/// A supervisor about to exit starts the kept log over, so that the next process to open the
/// database after every one closed it reads back one page instead of every page since the last
/// checkpoint — and only when nobody else uses the database at that moment.
@Suite struct StoreLogRestartTests {
  /// A database with a table and `commits` one-row commits in its log.
  private func database(commits: Int) throws -> (TemporaryDirectory, String, SQLiteConnection) {
    let directory = try TemporaryDirectory(prefix: "logrestart")
    let path = directory.path("state.db")
    let connection = try SQLiteConnection.open(path: path, busyTimeout: .seconds(5), retryLimit: .seconds(5))
    try connection.execute("CREATE TABLE t (x INTEGER)")
    for value in 0..<commits {
      try connection.immediateTransaction { () throws(StoreError) in
        try connection.execute("INSERT INTO t (x) VALUES (\(value))")
      }
    }
    return (directory, path, connection)
  }

  private func rows(in path: String) throws -> Int {
    let connection = try SQLiteConnection.open(path: path, busyTimeout: .seconds(5), retryLimit: .seconds(5))
    return Int(try connection.query("SELECT count(*) FROM t") { $0.int64(0) ?? 0 }.first ?? 0)
  }

  @Test func theLogIsStartedOverInPlaceAndNothingIsLost() throws {
    let (directory, path, connection) = try database(commits: 20)
    _ = directory
    let before = try WriteAheadLog(path: path + "-wal")
    #expect(before.validFrames >= 20)
    connection.restartLogIfIdle()
    let after = try WriteAheadLog(path: path + "-wal")
    // One page (the rewritten format number) under new salts; the file keeps its size.
    #expect(after.validFrames == 1)
    #expect(after.salts != before.salts)
    #expect(after.fileSize == before.fileSize)
    #expect(try rows(in: path) == 20)
    // Later commits append after that page, and a process opening the file afresh sees them all.
    try connection.immediateTransaction { () throws(StoreError) in
      try connection.execute("INSERT INTO t (x) VALUES (20)")
    }
    #expect(try WriteAheadLog(path: path + "-wal").validFrames > 1)
    #expect(try rows(in: path) == 21)
  }

  @Test func aReaderKeepsTheLogAsItIs() throws {
    let (directory, path, connection) = try database(commits: 5)
    _ = directory
    let reader = try SQLiteConnection.open(path: path, busyTimeout: .seconds(5), retryLimit: .seconds(5))
    let before = try WriteAheadLog(path: path + "-wal")
    try reader.snapshot { () throws(StoreError) in
      let seen = try reader.query("SELECT count(*) FROM t") { $0.int64(0) ?? 0 }.first
      #expect(seen == 5)
      connection.restartLogIfIdle()
      // Nothing was restarted under the reader's snapshot, which still reads what it read.
      #expect((try? WriteAheadLog(path: path + "-wal"))?.salts == before.salts)
      #expect(try reader.query("SELECT count(*) FROM t") { $0.int64(0) ?? 0 }.first == 5)
    }
    #expect(try rows(in: path) == 5)
  }

  @Test func anotherWritersLockLeavesTheLogAsItIs() throws {
    let (directory, path, connection) = try database(commits: 5)
    _ = directory
    let writer = try SQLiteConnection.open(path: path, busyTimeout: .seconds(5), retryLimit: .seconds(5))
    let before = try WriteAheadLog(path: path + "-wal")
    try writer.immediateTransaction { () throws(StoreError) in
      try writer.execute("INSERT INTO t (x) VALUES (5)")
      // The other writer holds the lock: the log is left as it is.
      connection.restartLogIfIdle()
      #expect((try? WriteAheadLog(path: path + "-wal"))?.salts == before.salts)
    }
    #expect(try rows(in: path) == 6)
  }
}
