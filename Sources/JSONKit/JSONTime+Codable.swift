extension KeyedDecodingContainer {
  /// A time at `key` as seconds since 1970: an ISO-8601 string (``JSONTime/seconds(_:)``) or a
  /// number of seconds (the form of earlier versions); `nil` when the key is absent or `null`.
  ///
  /// - Throws: `DecodingError.dataCorrupted` for a string that is not an ISO-8601 time, or
  ///   `typeMismatch` for another type.
  public func decodeTimeIfPresent(forKey key: Key) throws -> Double? {
    guard contains(key), try !decodeNil(forKey: key) else { return nil }
    if let seconds = try? decode(Double.self, forKey: key) { return seconds }
    let text = try decode(String.self, forKey: key)
    guard let seconds = JSONTime.seconds(text) else {
      throw DecodingError.dataCorruptedError(
        forKey: key, in: self, debugDescription: "not an ISO-8601 time: \(text.prefix(40))")
    }
    return seconds
  }

  /// A time at `key` that must be there, as ``decodeTimeIfPresent(forKey:)`` reads it.
  public func decodeTime(forKey key: Key) throws -> Double {
    guard let seconds = try decodeTimeIfPresent(forKey: key) else {
      throw DecodingError.valueNotFound(
        Double.self, .init(codingPath: codingPath + [key], debugDescription: "no time at \(key.stringValue)"))
    }
    return seconds
  }
}

extension KeyedEncodingContainer {
  /// Encodes a time given as seconds since 1970 as its ISO-8601 text (``JSONTime``); `nil` as `null`.
  public mutating func encodeTime(_ seconds: Double?, forKey key: Key) throws {
    try encode(seconds.flatMap(JSONTime.string), forKey: key)
  }

  /// Encodes a time as ``encodeTime(_:forKey:)`` does, leaving the key out when it is `nil`.
  public mutating func encodeTimeIfPresent(_ seconds: Double?, forKey key: Key) throws {
    try encodeIfPresent(seconds.flatMap(JSONTime.string), forKey: key)
  }
}
