/// Where ``JSONWriter`` writes text: a byte array, or ``JSONOutput``'s own buffer.
protocol JSONByteSink: ~Copyable {
  /// Appends one byte.
  mutating func append(_ byte: UInt8)
  /// Appends `bytes`.
  mutating func append(contentsOf bytes: UnsafeBufferPointer<UInt8>)
}

extension JSONByteSink where Self: ~Copyable {
  /// Appends the UTF-8 of a literal.
  mutating func append(literal: StaticString) {
    append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
  }
}

extension Array: JSONByteSink where Element == UInt8 {}
