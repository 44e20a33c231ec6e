import Dispatch
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Reads a SQLite statement's rows on a thread of its own while the calling thread uses the rows
/// already read: the engine's work (stepping, decoding records) and the caller's (writing them out)
/// run on two cores instead of one, for listings of many thousands of rows.
///
/// The rows come to the caller in batches, in the statement's order, each copied as
/// ``SQLiteRowBatch`` copies them. The statement (and so its connection) is used by the reading
/// thread only while the caller is inside ``rows(of:kinds:rowsPerBatch:_:)``, which returns only
/// after that thread finished with it — so the connection is never used by two threads at once
/// (SQLite's multi-thread mode, `SQLITE_OPEN_NOMUTEX`, asks no more).
package enum SQLiteRowPipeline {
  /// Steps `statement` to its end and calls `body` with each batch of at most `rowsPerBatch` rows,
  /// on the calling thread, while the next batch is read.
  ///
  /// - Throws: the statement's error, after `body` had every row read before it; or what `body`
  ///   throws, after which no more rows are read.
  package static func rows(
    of statement: SQLiteStatement, kinds: [SQLiteRowBatch.Kind], rowsPerBatch: Int = 64,
    _ body: (SQLiteRowBatch) throws(StoreError) -> Void
  ) throws(StoreError) {
    let shared = Shared(statement: statement, kinds: kinds, rowsPerBatch: max(1, rowsPerBatch))
    // The first batch is read here: a statement with no more rows than that (most listings) needs
    // no thread.
    let first = shared.batches[0]
    guard shared.fill(first) else {
      if first.count > 0 { try body(first) }
      if let error = shared.error { throw error }
      return
    }
    guard startThread({ shared.produce(from: 1) }) else {
      // No thread to be had: read and use one batch at a time, here.
      try body(first)
      while true {
        let more = shared.fill(first)
        if first.count > 0 { try body(first) }
        if !more { break }
      }
      if let error = shared.error { throw error }
      return
    }
    var index = 1
    do throws(StoreError) {
      // The first batch is used while the thread reads the next ones.
      try body(first)
      shared.free.signal()
      while true {
        shared.full.wait()
        let batch = shared.batches[index % shared.batches.count]
        let last = batch.isLast
        if batch.count > 0 { try body(batch) }
        shared.free.signal()
        if last { break }
        index += 1
      }
    } catch {
      shared.cancelled.store(true, ordering: .sequentiallyConsistent)
      shared.free.signal()
      shared.finished.wait()
      throw error
    }
    shared.finished.wait()
    if let error = shared.error { throw error }
  }

  /// What the two threads share. The batches go round in order: the reading thread fills batch
  /// `i % n` after `free` lets it, the caller uses it after `full` says so; the semaphores order
  /// every access to a batch (and to `error`) between the two threads. Batch 0 is the caller's at
  /// first (read before the thread starts), so `free` starts with a permit for each of the others.
  private final class Shared: @unchecked Sendable {
    let statement: SQLiteStatement
    let rowsPerBatch: Int
    let batches: [SQLiteRowBatch]
    /// The statement's error, set by the reading thread before it signals `finished`.
    var error: StoreError?
    let free = DispatchSemaphore(value: 0)
    let full = DispatchSemaphore(value: 0)
    let finished = DispatchSemaphore(value: 0)
    let cancelled = Atomic<Bool>(false)

    init(statement: SQLiteStatement, kinds: [SQLiteRowBatch.Kind], rowsPerBatch: Int) {
      self.statement = statement
      self.rowsPerBatch = rowsPerBatch
      // Three: one being read, one being used, one ready between them.
      batches = (0..<3).map { _ in SQLiteRowBatch(kinds: kinds) }
      // Made at 0 and then raised: libdispatch refuses to free a semaphore whose count ends below
      // the one it was made with, which the reading thread leaves when the caller stops early.
      for _ in batches.dropFirst() { free.signal() }
    }

    /// Empties `batch` and fills it with the statement's next rows; false when the rows ended (or
    /// failed, with `error` set).
    func fill(_ batch: SQLiteRowBatch) -> Bool {
      batch.removeAll()
      do {
        while batch.count < rowsPerBatch {
          guard try statement.step() else { return false }
          batch.append(statement)
        }
        return true
      } catch {
        self.error = error
        return false
      }
    }

    /// The reading thread: fills the batches in turn from batch `start` until the rows end or the
    /// caller stops.
    func produce(from start: Int) {
      var index = start
      while true {
        free.wait()
        if cancelled.load(ordering: .sequentiallyConsistent) { break }
        let batch = batches[index % batches.count]
        batch.isLast = !fill(batch)
        let more = !batch.isLast
        full.signal()
        if !more { break }
        index += 1
      }
      finished.signal()
    }
  }

  /// Runs `body` on a new thread; false when none could be made.
  private static func startThread(_ body: @escaping @Sendable () -> Void) -> Bool {
    final class Box {
      let body: @Sendable () -> Void
      init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    let context = Unmanaged.passRetained(Box(body)).toOpaque()
    #if canImport(Glibc)
      var thread = pthread_t()
    #else
      var thread: pthread_t?
    #endif
    let status = pthread_create(
      &thread, &attributes,
      { context in
        Unmanaged<Box>.fromOpaque(context!).takeRetainedValue().body()
        return nil
      }, context)
    if status != 0 {
      Unmanaged<Box>.fromOpaque(context).release()
      return false
    }
    return true
  }
}
