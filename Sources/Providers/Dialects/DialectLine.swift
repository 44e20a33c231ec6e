import Foundation
import JSONKit
import ProviderKit

/// One output line, read once: blank, a JSON object, or something a JSON dialect cannot read.
enum DialectLine {
  /// Nothing but whitespace: there is nothing to report.
  case blank
  /// A JSON object, the only shape the JSON dialects print.
  case object(JSONObject)
  /// Valid JSON that is not an object (an array, a number, …), or not JSON at all (stderr text,
  /// truncated output, binary garbage). Such a line becomes a `raw` event so that no byte is lost.
  case unreadable

  /// Reads `line`, parsing it as JSON at most once. With a `filter`, the members it names are left
  /// out of the object (the line is accepted or rejected all the same).
  static func read(_ line: ArraySlice<UInt8>, skipping filter: JSONMemberFilter? = nil) -> DialectLine {
    var index = line.startIndex
    while index < line.endIndex, isJSONWhitespace(line[index]) { index += 1 }
    guard index < line.endIndex else { return .blank }
    // Every JSON dialect prints objects; anything else is not worth a parse attempt, which keeps
    // a 20 MB line of garbage cheap.
    guard line[index] == UInt8(ascii: "{") else { return .unreadable }
    let parsed =
      if let filter { try? JSONParser.parse(line[index...], skipping: filter) } else {
        try? JSONParser.parse(line[index...])
      }
    guard case .object(let object)? = parsed else { return .unreadable }
    return .object(object)
  }

  /// The line as text for a `raw` event: invalid UTF-8 is repaired with U+FFFD and a trailing
  /// carriage return is dropped; every other byte is kept.
  static func text(of line: ArraySlice<UInt8>) -> String {
    var end = line.endIndex
    if end > line.startIndex, line[end - 1] == UInt8(ascii: "\r") { end -= 1 }
    return String(decoding: line[line.startIndex..<end], as: UTF8.self)
  }

  private static func isJSONWhitespace(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
  }
}

/// The events one line yields, all stamped with the line's offset.
struct EventList {
  /// The byte offset of the line in the output log.
  let offset: Int64
  /// The events so far, in order.
  private(set) var events: [AgentEvent] = []

  /// Creates an empty list for the line at `offset`.
  init(offset: Int64) { self.offset = offset }

  /// Appends an event of `kind`.
  mutating func append(_ kind: AgentEvent.Kind) {
    // Lines often yield two events (a tool call and its result, usage and the result): room for
    // two at once saves growing the array for the second.
    if events.isEmpty { events.reserveCapacity(2) }
    events.append(AgentEvent(offset: offset, kind: kind))
  }

  /// Appends an event when `kind` is not `nil`.
  mutating func append(_ kind: AgentEvent.Kind?) {
    if let kind { append(kind) }
  }
}
