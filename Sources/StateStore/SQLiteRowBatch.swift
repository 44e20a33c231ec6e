import CSQLite

/// Rows copied out of a SQLite statement, so that they can be read after the statement moved on —
/// on another thread (``SQLiteRowPipeline``). Each column is copied the one way its reader reads it
/// (``Kind``), through SQLite's own accessor, so a row reads back exactly as the statement read it.
///
/// Not thread-safe: one thread fills a batch, then hands it over whole.
package final class SQLiteRowBatch: StoreRow {
  /// How a column is copied, and so how it is read back.
  package enum Kind: Sendable {
    /// Not copied: reads as NULL.
    case skipped
    /// Through `withText` / `string` (`sqlite3_column_text`).
    case text
    /// Through `int64` / `bool` (`sqlite3_column_int64`).
    case integer
    /// Through `double` (`sqlite3_column_double`).
    case real
  }

  /// One column of one row: its value (an integer, a Double's bits, or the offset of its text in
  /// the text buffer), and its text's length; NULL has length -1.
  private struct Slot {
    var value: Int64
    var length: Int32
  }

  /// The batch's contents, behind one pointer: the filling and reading loops then touch plain
  /// memory, without the exclusivity checks and reference counting of arrays kept in a class.
  private struct Storage {
    var slots: UnsafeMutablePointer<Slot>
    var slotCount = 0
    var slotCapacity: Int
    var text: UnsafeMutablePointer<UInt8>
    var textCount = 0
    var textCapacity: Int
    var rows = 0
    /// The index of the current row's first slot.
    var base = 0
    /// Whether the statement had no rows after these.
    var isLast = false
  }

  /// How each column is copied.
  package let kinds: [Kind]
  private let columnKinds: UnsafeMutablePointer<Kind>
  private let columns: Int
  private let storage: UnsafeMutablePointer<Storage>

  /// The number of rows held.
  package var count: Int { storage.pointee.rows }

  /// Whether the statement had no rows after these (set by whoever fills the batch).
  package var isLast: Bool {
    get { storage.pointee.isLast }
    set { storage.pointee.isLast = newValue }
  }

  /// An empty batch for rows whose columns are copied as `kinds` say.
  package init(kinds: [Kind]) {
    self.kinds = kinds
    columns = kinds.count
    columnKinds = .allocate(capacity: max(1, kinds.count))
    columnKinds.initialize(from: kinds, count: kinds.count)
    let slotCapacity = max(1, kinds.count) * 64
    let textCapacity = 64 * 1024
    storage = .allocate(capacity: 1)
    storage.initialize(
      to: Storage(
        slots: .allocate(capacity: slotCapacity), slotCapacity: slotCapacity,
        text: .allocate(capacity: textCapacity), textCapacity: textCapacity))
  }

  deinit {
    storage.pointee.slots.deallocate()
    storage.pointee.text.deallocate()
    storage.deinitialize(count: 1)
    storage.deallocate()
    columnKinds.deallocate()
  }

  /// Empties the batch, keeping its storage.
  package func removeAll() {
    storage.pointee.slotCount = 0
    storage.pointee.textCount = 0
    storage.pointee.rows = 0
    storage.pointee.base = 0
    storage.pointee.isLast = false
  }

  /// Copies the current row of `statement`.
  package func append(_ statement: SQLiteStatement) {
    let handle = statement.handle
    var store = storage.pointee
    Self.reserve(&store.slots, count: store.slotCount, capacity: &store.slotCapacity, adding: columns)
    for index in 0..<columns {
      let column = Int32(index)
      let kind = columnKinds[index]
      var slot = Slot(value: 0, length: -1)
      if kind != .skipped, sqlite3_column_type(handle, column) != SQLITE_NULL {
        switch kind {
        case .skipped: break
        case .integer:
          slot = Slot(value: sqlite3_column_int64(handle, column), length: 0)
        case .real:
          slot = Slot(value: Int64(bitPattern: sqlite3_column_double(handle, column).bitPattern), length: 0)
        case .text:
          // The pointer first, then the size (SQLite's advice: the size then holds for that pointer).
          if let bytes = sqlite3_column_text(handle, column) {
            let length = Int(sqlite3_column_bytes(handle, column))
            Self.reserve(&store.text, count: store.textCount, capacity: &store.textCapacity, adding: length)
            (store.text + store.textCount).initialize(from: bytes, count: length)
            slot = Slot(value: Int64(store.textCount), length: Int32(length))
            store.textCount += length
          }
        }
      }
      (store.slots + store.slotCount).initialize(to: slot)
      store.slotCount += 1
    }
    store.rows += 1
    storage.pointee = store
  }

  /// Grows `buffer` (holding `count` elements) so that `adding` more fit: to twice its capacity, or
  /// more when that is not enough.
  private static func reserve<Element>(
    _ buffer: inout UnsafeMutablePointer<Element>, count: Int, capacity: inout Int, adding: Int
  ) {
    guard count + adding > capacity else { return }
    let grown = max(capacity * 2, count + adding)
    let moved = UnsafeMutablePointer<Element>.allocate(capacity: grown)
    moved.moveInitialize(from: buffer, count: count)
    buffer.deallocate()
    buffer = moved
    capacity = grown
  }

  /// Makes row `row` (from 0) the one the accessors read.
  package func select(row: Int) {
    precondition(row >= 0 && row < storage.pointee.rows, "row \(row) of a batch of \(storage.pointee.rows)")
    storage.pointee.base = row * columns
  }

  private func slot(_ index: Int32) -> Slot {
    precondition(index >= 0 && Int(index) < columns, "column \(index) of \(columns)")
    return storage.pointee.slots[storage.pointee.base + Int(index)]
  }

  /// The slot of column `index` when it is not NULL; asserts that it was copied as `kind`.
  private func slot(_ index: Int32, _ kind: Kind) -> Slot? {
    let slot = slot(index)
    guard slot.length >= 0 else { return nil }
    assert(
      columnKinds[Int(index)] == kind,
      "column \(index) was copied as \(columnKinds[Int(index)]), read as \(kind)")
    return slot
  }

  package func isNull(_ index: Int32) -> Bool {
    slot(index).length < 0
  }

  package func string(_ index: Int32) -> String? {
    withText(index) { String(decoding: $0, as: UTF8.self) }
  }

  /// Column `index`'s text. A column copied as a number (which ``Kind`` says no reader reads as
  /// text) gives the number's decimal digits, as close to SQLite's as the copy allows.
  package func withText<Result>(_ index: Int32, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result? {
    guard let slot = slot(index, .text) else { return nil }
    switch columnKinds[Int(index)] {
    case .text:
      return body(UnsafeBufferPointer(start: storage.pointee.text + Int(slot.value), count: Int(slot.length)))
    case .integer:
      return Array(String(slot.value).utf8).withUnsafeBufferPointer(body)
    case .real:
      return Array(String(Double(bitPattern: UInt64(bitPattern: slot.value))).utf8).withUnsafeBufferPointer(
        body)
    case .skipped:
      return nil
    }
  }

  package func int64(_ index: Int32) -> Int64? {
    guard let slot = slot(index, .integer) else { return nil }
    switch columnKinds[Int(index)] {
    case .integer: return slot.value
    case .real:
      return Int64(exactly: Double(bitPattern: UInt64(bitPattern: slot.value)).rounded(.towardZero)) ?? 0
    default: return string(index).flatMap { Int64($0) } ?? 0
    }
  }

  package func double(_ index: Int32) -> Double? {
    guard let slot = slot(index, .real) else { return nil }
    switch columnKinds[Int(index)] {
    case .real: return Double(bitPattern: UInt64(bitPattern: slot.value))
    case .integer: return Double(slot.value)
    default: return string(index).flatMap { Double($0) } ?? 0
    }
  }

  package func bytes(_ index: Int32) -> [UInt8]? {
    withText(index) { Array($0) }
  }
}
