/// A parsed JSON value.
///
/// Providers' output dialects are JSON lines; parsers read them into this small, `Sendable` tree.
/// Objects keep their members in document order (see ``JSONObject``).
public enum JSONValue: Sendable, Hashable {
  /// `null`.
  case null
  /// `true` or `false`.
  case bool(Bool)
  /// Any JSON number (integers up to 2^53 are exact).
  case number(Double)
  /// A string, with escapes decoded.
  case string(String)
  /// An array.
  case array([JSONValue])
  /// An object.
  case object(JSONObject)
}

/// A JSON object: member names and values in document order.
///
/// Lookups scan linearly, which is fastest for the small objects agent CLIs print. When a name
/// occurs twice, the first occurrence wins.
public struct JSONObject: Sendable, Hashable {
  /// Member names, in document order.
  public var keys: [String]
  /// Member values, parallel to ``keys``.
  public var values: [JSONValue]

  /// Creates an object from parallel arrays of names and values.
  public init(keys: [String] = [], values: [JSONValue] = []) {
    precondition(keys.count == values.count, "JSONObject keys and values must have equal counts")
    self.keys = keys
    self.values = values
  }

  /// The number of members.
  public var count: Int { keys.count }

  /// The value of the first member named `key`, or `nil`.
  public subscript(key: String) -> JSONValue? {
    get {
      guard let index = keys.firstIndex(of: key) else { return nil }
      return values[index]
    }
    set {
      if let index = keys.firstIndex(of: key) {
        if let newValue {
          values[index] = newValue
        } else {
          keys.remove(at: index)
          values.remove(at: index)
        }
      } else if let newValue {
        keys.append(key)
        values.append(newValue)
      }
    }
  }
}

extension JSONValue {
  /// The member `key` when this is an object, else `nil`.
  public subscript(key: String) -> JSONValue? {
    guard case .object(let object) = self else { return nil }
    return object[key]
  }

  /// The element at `index` when this is an array and the index is valid, else `nil`.
  public subscript(index: Int) -> JSONValue? {
    guard case .array(let array) = self, array.indices.contains(index) else { return nil }
    return array[index]
  }

  /// The string, when this is a string.
  public var stringValue: String? {
    if case .string(let value) = self { return value }
    return nil
  }

  /// The number, when this is a number.
  public var doubleValue: Double? {
    if case .number(let value) = self { return value }
    return nil
  }

  /// A time as JSON output carries it: the ISO-8601 text of `seconds` since 1970 (``JSONTime``);
  /// `null` when `seconds` is `nil` or not finite.
  public static func time(_ seconds: Double?) -> JSONValue {
    guard let seconds, let text = JSONTime.string(seconds) else { return .null }
    return .string(text)
  }

  /// A time, as seconds since 1970: an ISO-8601 string (``JSONTime/seconds(_:)``) or a number of
  /// seconds (the form of earlier versions).
  public var timeValue: Double? {
    switch self {
    case .number(let value): value
    case .string(let text): JSONTime.seconds(text)
    default: nil
    }
  }

  /// The number as an integer, when this is a number with no fractional part that fits `Int`.
  public var intValue: Int? {
    guard case .number(let value) = self, value.rounded() == value, abs(value) < 9.0e18 else {
      return nil
    }
    return Int(value)
  }

  /// The boolean, when this is `true` or `false`.
  public var boolValue: Bool? {
    if case .bool(let value) = self { return value }
    return nil
  }

  /// The elements, when this is an array.
  public var arrayValue: [JSONValue]? {
    if case .array(let value) = self { return value }
    return nil
  }

  /// The object, when this is an object.
  public var objectValue: JSONObject? {
    if case .object(let value) = self { return value }
    return nil
  }

  /// Whether this is `null`.
  public var isNull: Bool {
    if case .null = self { return true }
    return false
  }
}

extension JSONValue: Codable {
  /// Decodes any JSON value from a single-value container.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if container.decodeNil() {
      self = .null
    } else if let value = try? container.decode(Bool.self) {
      self = .bool(value)
    } else if let value = try? container.decode(Double.self) {
      self = .number(value)
    } else if let value = try? container.decode(String.self) {
      self = .string(value)
    } else if let value = try? container.decode([JSONValue].self) {
      self = .array(value)
    } else {
      let dictionary = try container.decode([String: JSONValue].self)
      let keys = dictionary.keys.sorted()
      self = .object(JSONObject(keys: keys, values: keys.map { dictionary[$0]! }))
    }
  }

  /// Encodes the value; object members keep their order.
  public func encode(to encoder: any Encoder) throws {
    switch self {
    case .null:
      var container = encoder.singleValueContainer()
      try container.encodeNil()
    case .bool(let value):
      var container = encoder.singleValueContainer()
      try container.encode(value)
    case .number(let value):
      var container = encoder.singleValueContainer()
      if let int = self.intValue {
        try container.encode(int)
      } else {
        try container.encode(value)
      }
    case .string(let value):
      var container = encoder.singleValueContainer()
      try container.encode(value)
    case .array(let values):
      var container = encoder.unkeyedContainer()
      for value in values { try container.encode(value) }
    case .object(let object):
      var container = encoder.container(keyedBy: DynamicCodingKey.self)
      for (key, value) in zip(object.keys, object.values) {
        try container.encode(value, forKey: DynamicCodingKey(key))
      }
    }
  }
}

/// A coding key made from any string, for encoding JSON objects with arbitrary member names.
struct DynamicCodingKey: CodingKey {
  var stringValue: String
  var intValue: Int? { nil }
  init(_ string: String) { stringValue = string }
  init?(stringValue: String) { self.stringValue = stringValue }
  init?(intValue: Int) { return nil }
}
