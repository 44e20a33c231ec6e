import Foundation
import JSONKit
import ProviderKit

extension JSONObject {
  /// The member `key` when it is a string.
  func string(_ key: String) -> String? { self[key]?.stringValue }

  /// The member `key` when it is a non-empty string, or a number written as an integer.
  func identifier(_ key: String) -> String? {
    switch self[key] {
    case .string(let value)? where !value.isEmpty: return value
    case .number?: return self[key]?.intValue.map(String.init)
    default: return nil
    }
  }

  /// The member `key` when it is an integral number.
  func int(_ key: String) -> Int? { self[key]?.intValue }

  /// The member `key` when it is a number.
  func double(_ key: String) -> Double? { self[key]?.doubleValue }

  /// The member `key` when it is an object.
  func object(_ key: String) -> JSONObject? { self[key]?.objectValue }

  /// The member `key` when it is an array.
  func array(_ key: String) -> [JSONValue]? { self[key]?.arrayValue }
}

extension JSONValue {
  /// Text carried by a content value: a string as is; for an array, the strings and the `text` of
  /// text blocks, joined by newlines. Other shapes are written as compact JSON so nothing is lost.
  var contentText: String {
    switch self {
    case .string(let text): return text
    case .null: return ""
    case .array(let elements):
      var parts: [String] = []
      for element in elements {
        switch element {
        case .string(let text): parts.append(text)
        case .object(let block):
          if let text = block.string("text") {
            parts.append(text)
          } else if block.string("type") != "image" {
            parts.append(JSONWriter.string(element))
          }
        default: parts.append(JSONWriter.string(element))
        }
      }
      return parts.joined(separator: "\n")
    case .object(let object):
      if let text = object.string("text") ?? object.string("content") { return text }
      return JSONWriter.string(self)
    default: return JSONWriter.string(self)
    }
  }

  /// Tool input as JSON text: compact JSON, or a string as is when it already holds JSON text
  /// (OpenAI-style `arguments`).
  var toolInputText: String {
    if case .string(let text) = self { return text }
    return JSONWriter.string(self)
  }
}

/// Interprets a Unix timestamp in seconds, or in milliseconds when it is too large for seconds.
func dateFromEpoch(_ value: Double?) -> Date? {
  guard let value, value.isFinite, value > 0 else { return nil }
  return Date(timeIntervalSince1970: value > 100_000_000_000 ? value / 1000 : value)
}
