import Foundation
import TestSupport
import Testing

@testable import StateStore

/// The database's log is kept between processes, so it must not stay at its largest: a log that
/// grew while a reader held off every checkpoint is cut back once checkpoints go through again.
@Suite struct StoreLogSizeTests {
  @Test func aLogThatGrewBehindAReaderIsCutBackAfterwards() throws {
    let directory = try TemporaryDirectory(prefix: "logsize")
    let path = directory.path("state.db")
    let writer = try SQLiteConnection.open(path: path, busyTimeout: .seconds(5), retryLimit: .seconds(5))
    let reader = try SQLiteConnection.open(path: path, busyTimeout: .seconds(5), retryLimit: .seconds(5))
    try writer.execute("CREATE TABLE t (x BLOB)")
    func write(_ rows: Int) throws(StoreError) {
      for _ in 0..<rows {
        try writer.immediateTransaction { () throws(StoreError) in
          try writer.with("INSERT INTO t (x) VALUES (?)") { (statement) throws(StoreError) in
            statement.bind(bytes: [UInt8](repeating: 7, count: 16_384), at: 0)
            try statement.run()
          }
        }
      }
    }
    func logSize() -> Int {
      ((try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int) ?? 0
    }
    // The reader's snapshot keeps every frame in the log while 8 MiB are written.
    try reader.snapshot { () throws(StoreError) in
      _ = try reader.with("SELECT count(*) FROM t") { (statement) throws(StoreError) in try statement.step() }
      try write(512)
    }
    #expect(logSize() > SQLiteConnection.logSizeLimit)
    // Reads no longer hold it: checkpoints complete, and the log restarts at its limit.
    try write(600)
    #expect(logSize() <= SQLiteConnection.logSizeLimit, "the log stayed at \(logSize()) bytes")
  }
}
