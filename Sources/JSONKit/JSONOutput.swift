/// Compact JSON text written straight into bytes, one value at a time: for output too large to
/// build as a ``JSONValue`` tree first (ten thousand records, say).
///
/// It writes exactly the text ``JSONWriter`` writes for the same values (strings escaped alike,
/// numbers alike). Commas are placed for the caller: after `beginObject()`, write `key(_:)` then a
/// value, as often as needed, then `endObject()`.
///
/// ```swift
/// var output = JSONOutput()
/// output.beginObject()
/// output.key("name"); output.string("fix-tests")
/// output.key("exit_code"); output.integer(nil)
/// output.endObject()
/// // output.bytes is {"name":"fix-tests","exit_code":null}
/// ```
public struct JSONOutput: ~Copyable, @unchecked Sendable {
  // Unchecked: the buffer is owned by this value alone (it cannot be copied) and freed with it.
  private var storage: UnsafeMutablePointer<UInt8>
  private var capacity: Int
  /// How many bytes have been written.
  public private(set) var count = 0
  /// Whether the next key or value follows a sibling and needs a comma first.
  private var followsSibling = false

  /// An empty output with room for `capacity` bytes (it grows as needed).
  public init(reservingCapacity capacity: Int = 256) {
    self.capacity = max(capacity, 16)
    storage = .allocate(capacity: self.capacity)
  }

  deinit { storage.deallocate() }

  /// The text written so far, as UTF-8.
  public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: storage, count: count)) }

  /// Calls `body` with the text written so far, without copying it.
  public func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
    try body(UnsafeBufferPointer(start: storage, count: count))
  }

  /// Hands the text written so far to `body`, then empties the buffer, keeping its capacity:
  /// what is written next is placed as if that text were still there (a comma where one is due).
  /// For text written out in pieces as it is made.
  public mutating func drain(_ body: (UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
    try body(UnsafeBufferPointer(start: storage, count: count))
    count = 0
  }

  /// Starts an object: `{`.
  public mutating func beginObject() {
    separate()
    append(UInt8(ascii: "{"))
    followsSibling = false
  }

  /// Ends the current object: `}`.
  public mutating func endObject() {
    append(UInt8(ascii: "}"))
    followsSibling = true
  }

  /// Starts an array: `[`.
  public mutating func beginArray() {
    separate()
    append(UInt8(ascii: "["))
    followsSibling = false
  }

  /// Ends the current array: `]`.
  public mutating func endArray() {
    append(UInt8(ascii: "]"))
    followsSibling = true
  }

  /// A member name, written as is: `name` must be plain text that needs no escaping (no `"`, `\`
  /// or control characters), as the keys of a fixed schema are.
  public mutating func key(_ name: StaticString) {
    let length = name.utf8CodeUnitCount
    reserve(length + 4)
    var at = count
    if followsSibling {
      storage[at] = UInt8(ascii: ",")
      at += 1
    }
    storage[at] = UInt8(ascii: "\"")
    (storage + at + 1).update(from: name.utf8Start, count: length)
    at += length + 3
    storage[at - 2] = UInt8(ascii: "\"")
    storage[at - 1] = UInt8(ascii: ":")
    count = at
    followsSibling = false
  }

  /// A string value, escaped as ``JSONWriter`` escapes it; `nil` is `null`.
  public mutating func string(_ value: String?) {
    separate()
    if let value { JSONWriter.writeString(value, to: &self) } else { writeNull() }
    followsSibling = true
  }

  /// A string value given as UTF-8 bytes, written as ``string(_:)`` writes
  /// `String(decoding: utf8, as: UTF8.self)` (invalid sequences become U+FFFD); ASCII text is
  /// escaped straight from `utf8` without making a `String`.
  public mutating func string(utf8: UnsafeBufferPointer<UInt8>) {
    guard JSONWriter.isASCII(utf8) else { return string(String(decoding: utf8, as: UTF8.self)) }
    separate()
    append(UInt8(ascii: "\""))
    JSONWriter.writeEscaped(utf8, to: &self)
    append(UInt8(ascii: "\""))
    followsSibling = true
  }

  /// A number value, written as ``JSONWriter`` writes it; `nil` is `null`.
  public mutating func number(_ value: Double?) {
    separate()
    if let value { JSONWriter.writeNumber(value, to: &self) } else { writeNull() }
    followsSibling = true
  }

  /// A time given as seconds since 1970-01-01 UTC, written as its ISO-8601 text in UTC with
  /// milliseconds (``JSONTime``); `nil`, NaN and infinities are `null`.
  public mutating func time(_ seconds: Double?) {
    separate()
    if let seconds, seconds.isFinite {
      reserve(26)
      append(UInt8(ascii: "\""))
      _ = JSONTime.write(seconds) { append($0) }
      append(UInt8(ascii: "\""))
    } else {
      writeNull()
    }
    followsSibling = true
  }

  /// An integer value, written as ``JSONWriter`` writes the same number; `nil` is `null`.
  public mutating func integer<Integer: BinaryInteger>(_ value: Integer?) {
    separate()
    if let value {
      // Exact as a Double below 2^53: the digits themselves. Above, the Double's text, as a tree
      // holding the number would have it.
      if let exact = Int64(exactly: value), exact.magnitude < 1 << 53 {
        JSONWriter.writeInteger(exact, to: &self)
      } else {
        JSONWriter.writeNumber(Double(value), to: &self)
      }
    } else {
      writeNull()
    }
    followsSibling = true
  }

  /// `true` or `false`.
  public mutating func bool(_ value: Bool) {
    separate()
    append(literal: value ? "true" : "false")
    followsSibling = true
  }

  /// Any value, written as ``JSONWriter`` writes it; `nil` is `null`.
  public mutating func value(_ value: JSONValue?) {
    separate()
    if let value { JSONWriter.write(value, to: &self) } else { writeNull() }
    followsSibling = true
  }

  /// An array of strings.
  public mutating func strings(_ values: [String]) {
    beginArray()
    for value in values { string(value) }
    endArray()
  }

  private mutating func writeNull() {
    append(literal: "null")
  }

  @inline(__always)
  private mutating func separate() {
    if followsSibling { append(UInt8(ascii: ",")) }
  }

  // MARK: Bytes

  mutating func append(_ byte: UInt8) {
    reserve(1)
    storage[count] = byte
    count += 1
  }

  mutating func append(contentsOf bytes: UnsafeBufferPointer<UInt8>) {
    guard let base = bytes.baseAddress else { return }
    reserve(bytes.count)
    (storage + count).update(from: base, count: bytes.count)
    count += bytes.count
  }

  /// Makes room for `extra` more bytes, doubling the buffer when it is full.
  @inline(__always)
  private mutating func reserve(_ extra: Int) {
    guard count + extra > capacity else { return }
    let grown = max(capacity * 2, count + extra)
    let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
    larger.update(from: storage, count: count)
    storage.deallocate()
    storage = larger
    capacity = grown
  }
}

extension JSONOutput: JSONByteSink {}
