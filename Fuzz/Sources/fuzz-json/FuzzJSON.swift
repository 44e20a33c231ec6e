import FuzzSupport
import JSONKit

/// The filter the Claude-compatible dialects use has this shape: skip some members at the top and
/// inside `message`.
let skipped: Set<String> = ["content", "usage", "é"]
let childSkipped: Set<String> = ["content", "text"]
let filter = JSONMemberFilter(
  skipping: skipped, children: ["message": JSONMemberFilter(skipping: childSkipped)])

/// What `filter` should leave of `value`: the members it names removed at its levels.
func expectedFiltered(_ value: JSONValue) -> JSONValue {
  guard case .object(let object) = value else { return value }
  var result = JSONObject()
  for (key, member) in zip(object.keys, object.values) where !skipped.contains(key) {
    var kept = member
    if key == "message", case .object(let child) = member {
      var inner = JSONObject()
      for (name, item) in zip(child.keys, child.values) where !childSkipped.contains(name) {
        inner.keys.append(name)
        inner.values.append(item)
      }
      kept = .object(inner)
    }
    result.keys.append(key)
    result.values.append(kept)
  }
  return .object(result)
}

/// Parses the input; a parse must never crash, a filtered parse must accept and reject exactly the
/// same inputs with the same error and leave out exactly the filtered members, and a parsed value
/// written back must parse to the same value.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = FuzzInput.bytes(data, size)
  let plain = Result { () throws(JSONParseError) in try JSONParser.parse(bytes) }
  let filtered = Result { () throws(JSONParseError) in try JSONParser.parse(bytes, skipping: filter) }
  switch (plain, filtered) {
  case (.success(let value), .success(let kept)):
    guard kept == expectedFiltered(value) else { fatalError("the filtered parse kept other members") }
    let written = JSONWriter.bytes(value)
    guard let again = try? JSONParser.parse(written) else {
      fatalError("the writer's output does not parse: \(String(decoding: written, as: UTF8.self))")
    }
    guard again == value else { fatalError("a written value parses to another value") }
  case (.failure(let error), .failure(let filteredError)):
    guard error == filteredError else {
      fatalError("filtered parse failed differently: \(error) vs \(filteredError)")
    }
  case (.success, .failure(let error)): fatalError("only the filtered parse failed: \(error)")
  case (.failure(let error), .success): fatalError("only the plain parse failed: \(error)")
  }
  return 0
}
