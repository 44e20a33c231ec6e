import JSONKit

/// A hand-written reader of catalog entries: the same definition `init(from:)` decodes through
/// ``JSONValueDecoder``, without the generic `Codable` machinery. Decoding the entry of one provider
/// through `Codable` cost a short-lived command about 3 million instructions, most of them the
/// runtime instantiating generic containers and looking up protocol conformances; this reads the
/// tree directly.
///
/// It gives up (`nil`) wherever `init(from:)` would throw, so the caller decodes such an entry
/// through `Codable` again for the error message, which names the field.
extension ProviderDefinition {
  /// Decodes a provider entry (with its `name` member), exactly as `init(from:)` does.
  ///
  /// - Returns: `nil` when the entry is not a valid definition.
  package init?(catalogEntry object: JSONObject) {
    guard let definition = try? Self.read(EntryReader(object)) else { return nil }
    self = definition
  }

  private static func read(_ entry: EntryReader) throws(EntryMismatch) -> ProviderDefinition {
    let name = try entry.string("name")
    return ProviderDefinition(
      name: name, displayName: try entry.optionalString("displayName") ?? name,
      binary: try entry.string("binary"),
      alternativeBinaries: try entry.optionalStrings("alternativeBinaries") ?? [],
      versionArguments: try entry.optionalStrings("versionArguments") ?? ["--version"],
      dialect: try entry.string("dialect"), arguments: try entry.optionalStrings("arguments") ?? [],
      prompt: try promptMode(entry.object("prompt")),
      longPrompt: try entry.optionalObject("longPrompt").map { (reader) throws(EntryMismatch) in
        try longPrompt(reader)
      },
      modelFlag: try entry.optionalString("modelFlag"), resume: try resumeStyle(entry.object("resume")),
      sessionID: try sessionID(entry.object("sessionId")),
      configDirectory: try entry.optionalObject("configDirectory").map { (reader) throws(EntryMismatch) in
        try configDirectory(reader)
      },
      credentials: try entry.optionalObject("credentials").map { (reader) throws(EntryMismatch) in
        try credentials(reader)
      } ?? CredentialLayout(),
      sessionFiles: try entry.optionalObject("sessionFiles").map { (reader) throws(EntryMismatch) in
        try sessionFiles(reader)
      },
      environment: try entry.optionalDictionary("environment") ?? [:],
      rootEnvironment: try entry.optionalDictionary("rootEnvironment") ?? [:],
      unsetEnvironment: try entry.optionalStrings("unsetEnvironment") ?? [],
      exhaustion: try entry.optionalObjects("exhaustion") { (reader) throws(EntryMismatch) in
        try exhaustionRule(reader)
      } ?? [],
      notes: try entry.optionalString("notes"),
      liveInput: try entry.optionalString("liveInput").map { (text) throws(EntryMismatch) in
        guard let mode = LiveInput(rawValue: text) else { throw EntryMismatch() }
        return mode
      })
  }

  private static func promptMode(_ reader: EntryReader) throws(EntryMismatch) -> PromptMode {
    switch try reader.string("mode") {
    case "positional": return .positional
    case "stdin": return .stdin
    case "flag": return .flag(try nonEmpty(reader.string("flag")))
    case "subcommand": return .subcommand(try nonEmpty(reader.strings("subcommand")))
    default: throw EntryMismatch()
    }
  }

  private static func longPrompt(_ reader: EntryReader) throws(EntryMismatch) -> LongPromptDelivery {
    guard try reader.string("mode") == "stdin" else { throw EntryMismatch() }
    return .stdin(argument: try reader.optionalString("argument"))
  }

  private static func resumeStyle(_ reader: EntryReader) throws(EntryMismatch) -> ResumeStyle {
    switch try reader.string("style") {
    case "none": return .none
    case "flag": return .flag(try nonEmpty(reader.string("flag")))
    case "subcommand": return .subcommand(try nonEmpty(reader.strings("subcommand")))
    default: throw EntryMismatch()
    }
  }

  private static func sessionID(_ reader: EntryReader) throws(EntryMismatch) -> SessionIDRule {
    guard let source = SessionIDRule.Source(rawValue: try reader.string("source")) else {
      throw EntryMismatch()
    }
    let field = try reader.optionalString("field")
    let flag = try reader.optionalString("flag")
    var format = SessionIDRule.PinnedFormat.uuid
    if let word = try reader.optionalString("format") {
      guard let named = SessionIDRule.PinnedFormat(rawValue: word) else { throw EntryMismatch() }
      format = named
    }
    if source == .pinned, flag?.isEmpty ?? true { throw EntryMismatch() }
    return SessionIDRule(source: source, field: field, flag: flag, format: format)
  }

  private static func configDirectory(_ reader: EntryReader) throws(EntryMismatch) -> ConfigDirectory {
    ConfigDirectory(
      environmentVariable: try reader.string("env"), defaultPath: try reader.optionalString("default"),
      subdirectory: try reader.optionalString("subdirectory"),
      credentialsEnvironmentVariable: try reader.optionalString("credentialsEnv"))
  }

  private static func credentials(_ reader: EntryReader) throws(EntryMismatch) -> CredentialLayout {
    CredentialLayout(
      files: try reader.optionalObjects("files") { (file) throws(EntryMismatch) in
        CredentialFile(path: try file.string("path"), format: try file.string("format"))
      } ?? [],
      apiKeyEnvironmentVariable: try reader.optionalString("apiKeyEnv"),
      tokenEnvironmentVariable: try reader.optionalString("tokenEnv"),
      environmentVariables: try reader.optionalStrings("env") ?? [],
      oauthRefresh: try reader.optionalObject("oauthRefresh").map { (refresh) throws(EntryMismatch) in
        OAuthRefresh(
          url: try refresh.string("url"), clientID: try refresh.string("clientId"),
          encoding: try refresh.string("encoding"))
      })
  }

  private static func sessionFiles(_ reader: EntryReader) throws(EntryMismatch) -> SessionFiles {
    SessionFiles(
      patterns: try nonEmpty(reader.strings("patterns")),
      companions: try reader.optionalStrings("companions") ?? [],
      accountBound: try reader.optionalStrings("accountBound") ?? [],
      registries: try reader.optionalObjects("registries") { (registry) throws(EntryMismatch) in
        SessionRegistry(
          file: try registry.string("file"), array: try registry.string("array"),
          key: try registry.string("key"))
      } ?? [])
  }

  private static func exhaustionRule(_ reader: EntryReader) throws(EntryMismatch) -> ExhaustionRule {
    var reset: ExhaustionRule.ResetFormat?
    if let word = try reader.optionalString("reset") {
      guard let format = ExhaustionRule.ResetFormat(rawValue: word) else { throw EntryMismatch() }
      reset = format
    }
    return ExhaustionRule(
      pattern: try reader.string("pattern"), reset: reset, seen: try reader.optionalString("seen"))
  }

  private static func nonEmpty<Value: Collection>(_ value: Value) throws(EntryMismatch) -> Value {
    if value.isEmpty { throw EntryMismatch() }
    return value
  }
}

/// The entry is not what `init(from:)` accepts.
private struct EntryMismatch: Error {}

/// The members of one object of an entry, read as `Codable`'s keyed container reads them: the first
/// member of a name counts, a missing or `null` member is absent for the optional ones.
private struct EntryReader {
  let object: JSONObject

  init(_ object: JSONObject) { self.object = object }

  func string(_ key: String) throws(EntryMismatch) -> String {
    guard case .string(let text)? = object[key] else { throw EntryMismatch() }
    return text
  }

  func optionalString(_ key: String) throws(EntryMismatch) -> String? {
    switch object[key] {
    case nil, .null?: return nil
    case .string(let text)?: return text
    default: throw EntryMismatch()
    }
  }

  func strings(_ key: String) throws(EntryMismatch) -> [String] {
    guard let value = object[key] else { throw EntryMismatch() }
    return try Self.strings(value)
  }

  func optionalStrings(_ key: String) throws(EntryMismatch) -> [String]? {
    switch object[key] {
    case nil, .null?: return nil
    case let value?: return try Self.strings(value)
    }
  }

  func object(_ key: String) throws(EntryMismatch) -> EntryReader {
    guard case .object(let member)? = object[key] else { throw EntryMismatch() }
    return EntryReader(member)
  }

  func optionalObject(_ key: String) throws(EntryMismatch) -> EntryReader? {
    switch object[key] {
    case nil, .null?: return nil
    case .object(let member)?: return EntryReader(member)
    default: throw EntryMismatch()
    }
  }

  /// An array of objects, each read by `element`.
  func optionalObjects<Element>(
    _ key: String, _ element: (EntryReader) throws(EntryMismatch) -> Element
  ) throws(EntryMismatch) -> [Element]? {
    switch object[key] {
    case nil, .null?: return nil
    case .array(let values)?:
      var result: [Element] = []
      result.reserveCapacity(values.count)
      for value in values {
        guard case .object(let member) = value else { throw EntryMismatch() }
        result.append(try element(EntryReader(member)))
      }
      return result
    default: throw EntryMismatch()
    }
  }

  /// An object of strings, as `[String: String]` decodes one.
  func optionalDictionary(_ key: String) throws(EntryMismatch) -> [String: String]? {
    switch object[key] {
    case nil, .null?: return nil
    case .object(let member)?:
      var result: [String: String] = [:]
      for name in member.keys {
        guard case .string(let text)? = member[name] else { throw EntryMismatch() }
        result[name] = text
      }
      return result
    default: throw EntryMismatch()
    }
  }

  private static func strings(_ value: JSONValue) throws(EntryMismatch) -> [String] {
    guard case .array(let values) = value else { throw EntryMismatch() }
    var result: [String] = []
    result.reserveCapacity(values.count)
    for value in values {
      guard case .string(let text) = value else { throw EntryMismatch() }
      result.append(text)
    }
    return result
  }
}
