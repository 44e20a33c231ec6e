import JSONKit
import ProviderKit
import Providers
import Testing

/// The hand-written entry reader (`ProviderDefinition(catalogEntry:)`) against `Codable`'s
/// `init(from:)`: on every built-in entry, on entries a user file makes, and on each of them with
/// every member removed or replaced by values of other types and shapes, both agree — the same
/// definition, or both refuse it.
@Suite struct ProviderEntryReaderTests {
  /// The merged entries, each with its `name`, as the catalog decodes them.
  static func entries(user: String? = nil) throws -> [JSONObject] {
    let pending = try ProviderCatalog.pendingDefinitions(
      builtin: BuiltinProviders.catalogJSON, user: user.map { (Array($0.utf8), "providers.json") })
    return pending.compactMap { definition in
      guard case .object(var object) = definition.entry else { return nil }
      object["name"] = .string(definition.name)
      return object
    }
  }

  static let userFiles = [
    #"{"providers":{"claude":{"binary":"/opt/claude/bin/claude"}}}"#,
    #"{"providers":{"codex":{"credentials":{"apiKeyEnv":"OPENAI_API_KEY"},"modelFlag":null}}}"#,
    """
    {"providers":{"mycli":{"binary":"mycli","dialect":"claude-stream-json",
      "arguments":["--json"],"prompt":{"mode":"flag","flag":"--ask"},
      "resume":{"style":"flag","flag":"--continue-session"},
      "sessionId":{"source":"event","field":"session_id"},
      "configDirectory":{"env":"MYCLI_HOME"}}}}
    """,
    #"{"providers":{"claude-work":{"extends":"claude","binary":"claude-work"}}}"#,
    #"{"providers":{"half":{"binary":"half","prompt":{"mode":"positional"}}}}"#,
    #"{"providers":{"claude":{"sessionId":{"source":"pinned","flag":null}}}}"#,
    #"{"providers":{"codex":{"environment":{"A":"1","A":2},"notes":null,"longPrompt":null}}}"#,
  ]

  /// Values that stand in for a member: every JSON type, empty and not, and the words the enums know.
  static let replacements: [JSONValue] = [
    .null, .bool(true), .number(1), .string(""), .string("x"), .string("flag"), .string("subcommand"),
    .string("stdin"), .string("none"), .string("pinned"), .string("event"), .string("hex"),
    .string("duration"), .array([]), .array([.string("a")]), .array([.number(1)]), .array([.null]),
    .array([.object(JSONObject(keys: ["pattern"], values: [.string("p")]))]),
    .object(JSONObject()), .object(JSONObject(keys: ["A"], values: [.string("b")])),
    .object(
      JSONObject(
        keys: ["mode", "style", "source"], values: [.string("stdin"), .string("none"), .string("event")])),
  ]

  static func agree(_ object: JSONObject, _ context: String) {
    let codable = try? JSONValueDecoder().decode(ProviderDefinition.self, from: .object(object))
    let handWritten = ProviderDefinition(catalogEntry: object)
    #expect(handWritten == codable, "\(context)")
  }

  /// Every variant of `value`: each member (at any depth) removed or replaced, each array element
  /// replaced.
  static func variants(of value: JSONValue) -> [JSONValue] {
    var result: [JSONValue] = replacements
    switch value {
    case .object(let object):
      for (index, key) in object.keys.enumerated() {
        var removed = object
        removed.keys.remove(at: index)
        removed.values.remove(at: index)
        result.append(.object(removed))
        for variant in variants(of: object.values[index]) {
          var changed = object
          changed.values[index] = variant
          result.append(.object(changed))
        }
        _ = key
      }
    case .array(let elements):
      for index in elements.indices {
        for variant in variants(of: elements[index]) {
          var changed = elements
          changed[index] = variant
          result.append(.array(changed))
        }
      }
    default: break
    }
    return result
  }

  @Test func everyBuiltinEntryReadsAsCodableDecodesIt() throws {
    let entries = try Self.entries()
    #expect(entries.count >= 13)
    for entry in entries {
      let definition = ProviderDefinition(catalogEntry: entry)
      #expect(definition != nil)
      Self.agree(entry, "built-in \(entry["name"]?.stringValue ?? "?")")
    }
  }

  @Test(arguments: userFiles)
  func entriesOfUserFilesReadAsCodableDecodesThem(_ user: String) throws {
    for entry in try Self.entries(user: user) {
      Self.agree(entry, "\(user): \(entry["name"]?.stringValue ?? "?")")
    }
  }

  @Test(arguments: ["claude", "codex", "kimi", "openhands", "gemini", "amp"])
  func everyChangedMemberReadsAsCodableDecodesIt(_ name: String) throws {
    let entry = try #require(try Self.entries().first { $0["name"]?.stringValue == name })
    var checked = 0
    for variant in Self.variants(of: .object(entry)) {
      guard case .object(let object) = variant else { continue }
      Self.agree(object, "\(name): \(JSONWriter.string(variant).prefix(300))")
      checked += 1
    }
    #expect(checked > 100)
  }
}
