/// Decodes `Decodable` values straight from a ``JSONValue`` tree, with the errors Foundation's
/// `JSONDecoder` gives for the same document: `keyNotFound`, `valueNotFound` for a null where a
/// value is required, `typeMismatch` (`[Any]` for an array expected, `[String: Any]` for an object),
/// `dataCorrupted` for a number that does not fit — each with its coding path.
///
/// For a tree already parsed, this skips writing it out and parsing it again, and it makes no
/// dynamic casts: a short-lived process pays neither for `JSONDecoder`'s code nor for the runtime's
/// protocol-conformance lookups.
public struct JSONValueDecoder: Sendable {
  /// A decoder.
  public init() {}

  /// Decodes a `T` from `value`.
  public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
    try T(from: ValueDecoder(value: value, codingPath: []))
  }
}

/// The `Decoder` for one value of the tree.
private struct ValueDecoder: Decoder {
  let value: JSONValue
  let codingPath: [any CodingKey]
  var userInfo: [CodingUserInfoKey: Any] { [:] }

  func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
    guard case .object(let object) = value else {
      throw mismatch([String: Any].self, at: codingPath, found: value)
    }
    return KeyedDecodingContainer(KeyedContainer<Key>(object: object, codingPath: codingPath))
  }

  func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
    guard case .array(let elements) = value else { throw mismatch([Any].self, at: codingPath, found: value) }
    return UnkeyedContainer(elements: elements, codingPath: codingPath)
  }

  func singleValueContainer() throws -> any SingleValueDecodingContainer {
    SingleValueContainer(value: value, codingPath: codingPath)
  }
}

/// What a value is, for error messages.
private func describe(_ value: JSONValue) -> String {
  switch value {
  case .null: "null"
  case .bool: "a boolean"
  case .number: "a number"
  case .string: "a string"
  case .array: "an array"
  case .object: "a dictionary"
  }
}

private func mismatch(_ type: Any.Type, at path: [any CodingKey], found value: JSONValue) -> DecodingError {
  if case .null = value {
    return .valueNotFound(
      type, .init(codingPath: path, debugDescription: "Expected \(type) value but found null instead."))
  }
  return .typeMismatch(
    type,
    .init(
      codingPath: path, debugDescription: "Expected to decode \(type) but found \(describe(value)) instead."))
}

/// Decodes one scalar or nested value of the tree at `path`.
private func decodeValue<T: Decodable>(_ type: T.Type, from value: JSONValue, at path: [any CodingKey]) throws
  -> T
{
  try T(from: ValueDecoder(value: value, codingPath: path))
}

private func decodeString(_ value: JSONValue, at path: [any CodingKey]) throws -> String {
  guard case .string(let text) = value else { throw mismatch(String.self, at: path, found: value) }
  return text
}

private func decodeBool(_ value: JSONValue, at path: [any CodingKey]) throws -> Bool {
  guard case .bool(let flag) = value else { throw mismatch(Bool.self, at: path, found: value) }
  return flag
}

private func decodeDouble(_ value: JSONValue, at path: [any CodingKey]) throws -> Double {
  guard case .number(let number) = value else { throw mismatch(Double.self, at: path, found: value) }
  return number
}

private func decodeInteger<T: FixedWidthInteger>(_ type: T.Type, _ value: JSONValue, at path: [any CodingKey])
  throws -> T
{
  guard case .number(let number) = value else { throw mismatch(type, at: path, found: value) }
  guard let integer = T(exactly: number) else {
    throw DecodingError.dataCorrupted(
      .init(codingPath: path, debugDescription: "Number \(number) is not representable in Swift."))
  }
  return integer
}

/// A key for an array index in a coding path.
private struct IndexKey: CodingKey {
  let intValue: Int?
  var stringValue: String { "Index \(intValue ?? 0)" }
  init(_ index: Int) { intValue = index }
  init?(stringValue: String) { nil }
  init?(intValue: Int) { self.intValue = intValue }
}

private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
  let object: JSONObject
  let codingPath: [any CodingKey]

  var allKeys: [Key] { object.keys.compactMap(Key.init(stringValue:)) }

  func contains(_ key: Key) -> Bool { object[key.stringValue] != nil }

  private func value(for key: Key) throws -> JSONValue {
    guard let value = object[key.stringValue] else {
      throw DecodingError.keyNotFound(
        key,
        .init(codingPath: codingPath, debugDescription: "No value associated with key \(key.stringValue)."))
    }
    return value
  }

  func decodeNil(forKey key: Key) throws -> Bool {
    if case .null = try value(for: key) { return true }
    return false
  }

  func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool {
    try decodeBool(value(for: key), at: codingPath + [key])
  }
  func decode(_ type: String.Type, forKey key: Key) throws -> String {
    try decodeString(value(for: key), at: codingPath + [key])
  }
  func decode(_ type: Double.Type, forKey key: Key) throws -> Double {
    try decodeDouble(value(for: key), at: codingPath + [key])
  }
  func decode(_ type: Float.Type, forKey key: Key) throws -> Float {
    Float(try decodeDouble(value(for: key), at: codingPath + [key]))
  }
  func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try integer(type, key) }
  func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try integer(type, key) }
  func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try integer(type, key) }
  func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try integer(type, key) }
  func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try integer(type, key) }
  func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try integer(type, key) }
  func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try integer(type, key) }
  func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try integer(type, key) }
  func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try integer(type, key) }
  func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try integer(type, key) }

  private func integer<T: FixedWidthInteger>(_ type: T.Type, _ key: Key) throws -> T {
    try decodeInteger(type, value(for: key), at: codingPath + [key])
  }

  func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
    try decodeValue(type, from: value(for: key), at: codingPath + [key])
  }

  func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
    -> KeyedDecodingContainer<NestedKey>
  {
    try ValueDecoder(value: value(for: key), codingPath: codingPath + [key]).container(keyedBy: type)
  }

  func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
    try ValueDecoder(value: value(for: key), codingPath: codingPath + [key]).unkeyedContainer()
  }

  func superDecoder() throws -> any Decoder {
    ValueDecoder(value: object["super"] ?? .null, codingPath: codingPath)
  }

  func superDecoder(forKey key: Key) throws -> any Decoder {
    ValueDecoder(value: object[key.stringValue] ?? .null, codingPath: codingPath + [key])
  }
}

private struct UnkeyedContainer: UnkeyedDecodingContainer {
  let elements: [JSONValue]
  let codingPath: [any CodingKey]
  private(set) var currentIndex = 0

  init(elements: [JSONValue], codingPath: [any CodingKey]) {
    self.elements = elements
    self.codingPath = codingPath
  }

  var count: Int? { elements.count }
  var isAtEnd: Bool { currentIndex >= elements.count }

  private mutating func next<T>(_ type: T.Type) throws -> (JSONValue, [any CodingKey]) {
    guard !isAtEnd else {
      throw DecodingError.valueNotFound(
        type,
        .init(
          codingPath: codingPath + [IndexKey(currentIndex)], debugDescription: "Unkeyed container is at end.")
      )
    }
    defer { currentIndex += 1 }
    return (elements[currentIndex], codingPath + [IndexKey(currentIndex)])
  }

  mutating func decodeNil() throws -> Bool {
    guard !isAtEnd, case .null = elements[currentIndex] else { return false }
    currentIndex += 1
    return true
  }

  mutating func decode(_ type: Bool.Type) throws -> Bool {
    let (value, path) = try next(type)
    return try decodeBool(value, at: path)
  }
  mutating func decode(_ type: String.Type) throws -> String {
    let (value, path) = try next(type)
    return try decodeString(value, at: path)
  }
  mutating func decode(_ type: Double.Type) throws -> Double {
    let (value, path) = try next(type)
    return try decodeDouble(value, at: path)
  }
  mutating func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }
  mutating func decode(_ type: Int.Type) throws -> Int { try integer(type) }
  mutating func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
  mutating func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
  mutating func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
  mutating func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
  mutating func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
  mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
  mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
  mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
  mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }

  private mutating func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
    let (value, path) = try next(type)
    return try decodeInteger(type, value, at: path)
  }

  mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
    let (value, path) = try next(type)
    return try decodeValue(type, from: value, at: path)
  }

  mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
    -> KeyedDecodingContainer<NestedKey>
  {
    let (value, path) = try next([String: Any].self)
    return try ValueDecoder(value: value, codingPath: path).container(keyedBy: type)
  }

  mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
    let (value, path) = try next([Any].self)
    return try ValueDecoder(value: value, codingPath: path).unkeyedContainer()
  }

  mutating func superDecoder() throws -> any Decoder {
    let (value, path) = try next(Any.self)
    return ValueDecoder(value: value, codingPath: path)
  }
}

private struct SingleValueContainer: SingleValueDecodingContainer {
  let value: JSONValue
  let codingPath: [any CodingKey]

  func decodeNil() -> Bool {
    if case .null = value { return true }
    return false
  }

  func decode(_ type: Bool.Type) throws -> Bool { try decodeBool(value, at: codingPath) }
  func decode(_ type: String.Type) throws -> String { try decodeString(value, at: codingPath) }
  func decode(_ type: Double.Type) throws -> Double { try decodeDouble(value, at: codingPath) }
  func decode(_ type: Float.Type) throws -> Float { Float(try decodeDouble(value, at: codingPath)) }
  func decode(_ type: Int.Type) throws -> Int { try decodeInteger(type, value, at: codingPath) }
  func decode(_ type: Int8.Type) throws -> Int8 { try decodeInteger(type, value, at: codingPath) }
  func decode(_ type: Int16.Type) throws -> Int16 { try decodeInteger(type, value, at: codingPath) }
  func decode(_ type: Int32.Type) throws -> Int32 { try decodeInteger(type, value, at: codingPath) }
  func decode(_ type: Int64.Type) throws -> Int64 { try decodeInteger(type, value, at: codingPath) }
  func decode(_ type: UInt.Type) throws -> UInt { try decodeInteger(type, value, at: codingPath) }
  func decode(_ type: UInt8.Type) throws -> UInt8 { try decodeInteger(type, value, at: codingPath) }
  func decode(_ type: UInt16.Type) throws -> UInt16 { try decodeInteger(type, value, at: codingPath) }
  func decode(_ type: UInt32.Type) throws -> UInt32 { try decodeInteger(type, value, at: codingPath) }
  func decode(_ type: UInt64.Type) throws -> UInt64 { try decodeInteger(type, value, at: codingPath) }
  func decode<T: Decodable>(_ type: T.Type) throws -> T { try decodeValue(type, from: value, at: codingPath) }
}
