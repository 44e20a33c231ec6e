import Foundation
import JSONKit

/// The shape of a JSON document: every key kept, every value replaced by its type, so that a
/// snapshot does not change with ids, times, paths or process numbers but does with any key added,
/// renamed or removed, or a value changing type.
///
/// Strings that are ISO 8601 times become `"<time>"`, other strings `"<string>"`, numbers
/// `"<number>"`, booleans `"<bool>"`; `null` stays. An array becomes the distinct shapes of its
/// elements, in sorted order. Object keys are sorted.
public enum JSONShape {
  /// The shape of `text`: one JSON document, or with `lines` JSON lines (the distinct shapes of
  /// the lines, sorted).
  public static func of(_ text: String, lines: Bool = false) throws -> String {
    let shapes = try documents(text, lines: lines).map { render(shape(of: $0), indent: "") }
    return (lines ? Set(shapes).sorted() : shapes).joined(separator: "\n") + "\n"
  }

  /// Every key of the document (or lines), at any depth.
  public static func keys(of text: String, lines: Bool = false) throws -> Set<String> {
    var keys: Set<String> = []
    func visit(_ value: JSONValue) {
      switch value {
      case .object(let object):
        keys.formUnion(object.keys)
        object.values.forEach(visit)
      case .array(let array): array.forEach(visit)
      default: break
      }
    }
    try documents(text, lines: lines).forEach(visit)
    return keys
  }

  private static func documents(_ text: String, lines: Bool) throws -> [JSONValue] {
    lines
      ? try text.split(separator: "\n").map { try JSONParser.parse(String($0)) }
      : [try JSONParser.parse(text)]
  }

  private indirect enum Shape {
    case leaf(String)
    case object([(String, Shape)])
    case array([Shape])
  }

  private static func shape(of value: JSONValue) -> Shape {
    switch value {
    case .object(let object):
      return .object(zip(object.keys, object.values).sorted { $0.0 < $1.0 }.map { ($0.0, shape(of: $0.1)) })
    case .array(let array):
      var seen: [String: Shape] = [:]
      for element in array {
        let item = shape(of: element)
        seen[render(item, indent: "")] = item
      }
      return .array(seen.keys.sorted().map { seen[$0]! })
    case .null: return .leaf("null")
    case .bool: return .leaf("\"<bool>\"")
    case .number: return .leaf("\"<number>\"")
    case .string(let string): return .leaf(isTime(string) ? "\"<time>\"" : "\"<string>\"")
    }
  }

  private static func isTime(_ text: String) -> Bool {
    text.range(
      of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)$"#, options: .regularExpression)
      != nil
  }

  private static func render(_ shape: Shape, indent: String) -> String {
    let inner = indent + "  "
    switch shape {
    case .leaf(let text): return text
    case .object(let members):
      if members.isEmpty { return "{}" }
      let lines = members.map { inner + "\"\($0.0)\": " + render($0.1, indent: inner) }
      return "{\n" + lines.joined(separator: ",\n") + "\n" + indent + "}"
    case .array(let elements):
      if elements.isEmpty { return "[]" }
      let lines = elements.map { inner + render($0, indent: inner) }
      return "[\n" + lines.joined(separator: ",\n") + "\n" + indent + "]"
    }
  }
}
