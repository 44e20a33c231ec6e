import Foundation
import JSONKit

/// Reads provider definitions: the built-in catalog merged with a user's providers.json.
///
/// A user file has the same shape as the built-in one: `{"providers": {"<name>": {…}}}`. An entry
/// whose name is built in overrides only the fields it gives (objects merge field by field, other
/// values replace, `null` removes an optional field). A new name adds a CLI; it may start from a
/// built-in one with `"extends": "<name>"`.
public enum ProviderCatalog {
  /// Top-level keys allowed in a catalog file.
  static let topLevelKeys: Set<String> = ["providers", "version", "$schema"]
  /// Keys allowed in one provider entry.
  static let entryKeys: Set<String> = [
    "displayName", "binary", "alternativeBinaries", "versionArguments", "dialect", "arguments", "prompt",
    "longPrompt", "modelFlag", "resume", "sessionId", "configDirectory", "credentials", "sessionFiles",
    "environment",
    "rootEnvironment", "unsetEnvironment", "exhaustion", "notes", "extends", "liveInput",
  ]

  /// Decodes a catalog's JSON text into definitions, sorted by name.
  ///
  /// - Parameters:
  ///   - builtin: the built-in catalog text.
  ///   - user: the user's catalog text and where it came from (for messages), if any.
  /// - Throws: ``CatalogError`` naming the file, the provider and the field.
  public static func definitions(
    builtin: String, user: (text: [UInt8], file: String)? = nil
  ) throws(CatalogError) -> [ProviderDefinition] {
    var result: [ProviderDefinition] = []
    for pending in try pendingDefinitions(builtin: builtin, user: user) {
      result.append(try pending.decode())
    }
    return result
  }

  /// Where built-in entries come from, in messages.
  public static let builtinFile = "built-in providers.json"

  /// One merged catalog entry, read and merged but not yet decoded: decoding is most of the cost of
  /// loading the catalog, and a command usually needs one provider of the eleven.
  public struct PendingDefinition: Sendable {
    /// The provider's name.
    public let name: String
    /// The file the entry (or its last override) came from.
    public let file: String
    package let entry: JSONValue

    /// Whether the entry is the built-in one, untouched by a user file.
    public var isBuiltin: Bool { file == ProviderCatalog.builtinFile }

    /// The dialect the entry names, if it names one as a string.
    public var dialect: String? { entry["dialect"]?.stringValue }

    /// Decodes the entry.
    ///
    /// - Throws: ``CatalogError`` naming the file, the provider and the field.
    public func decode() throws(CatalogError) -> ProviderDefinition {
      try ProviderCatalog.decode(name: name, entry: entry, file: file)
    }
  }

  /// Reads the built-in catalog and the user's, merges them and checks their shape, without
  /// decoding the entries (see ``PendingDefinition/decode()``); sorted by name.
  ///
  /// - Throws: ``CatalogError`` for invalid JSON, an invalid name or `extends`.
  public static func pendingDefinitions(
    builtin: String, user: (text: [UInt8], file: String)? = nil
  ) throws(CatalogError) -> [PendingDefinition] {
    var entries = try providerEntries(of: Array(builtin.utf8), file: builtinFile)
    var origin: [String: String] = Dictionary(uniqueKeysWithValues: entries.keys.map { ($0, builtinFile) })
    if let user {
      let overrides = try providerEntries(of: user.text, file: user.file)
      for (index, name) in overrides.keys.enumerated() {
        try validateName(name, file: user.file)
        guard case .object(var override) = overrides.values[index] else {
          throw CatalogError(file: user.file, provider: name, message: "an entry must be a JSON object")
        }
        var base = entries[name]?.objectValue
        if let parent = override["extends"] {
          guard let parentName = parent.stringValue, let parentEntry = entries[parentName]?.objectValue else {
            if let parentName = parent.stringValue, overrides.keys.contains(parentName) {
              // Entries extend in file order: so no two can extend each other.
              throw CatalogError(
                file: user.file, provider: name, field: "extends",
                message: "names \"\(parentName)\", which this file defines further down; an entry extends a "
                  + "built-in provider or one defined above it, so move \"\(parentName)\" up (two entries "
                  + "cannot extend each other)")
            }
            throw CatalogError(
              file: user.file, provider: name, field: "extends",
              message: "names no known provider (known: \(entries.keys.sorted().joined(separator: ", ")))")
          }
          base = parentEntry
          override["extends"] = nil
          // A live channel is the protocol of one binary: another binary does not inherit it.
          if override["binary"] != nil, override["liveInput"] == nil { base?["liveInput"] = nil }
        }
        let merged = merge(base ?? JSONObject(), override)
        entries[name] = .object(merged)
        origin[name] = user.file
      }
    }
    return entries.keys.sorted().map {
      PendingDefinition(name: $0, file: origin[$0] ?? builtinFile, entry: entries[$0]!)
    }
  }

  /// Reads the user's catalog file at `path`, if it exists, and merges it over `builtin`.
  public static func definitions(builtin: String, userFile path: String?) throws(CatalogError)
    -> [ProviderDefinition]
  {
    try definitions(builtin: builtin, user: userCatalog(at: path))
  }

  /// The user's catalog file at `path`, if it exists.
  ///
  /// - Throws: ``CatalogError`` when it exists but cannot be read.
  public static func userCatalog(at path: String?) throws(CatalogError) -> (text: [UInt8], file: String)? {
    guard let path, FileManager.default.fileExists(atPath: path) else { return nil }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw CatalogError(file: path, message: "cannot be read; check its permissions")
    }
    return (Array(data), path)
  }

  private static func providerEntries(of text: [UInt8], file: String) throws(CatalogError) -> JSONObject {
    let root: JSONValue
    do {
      root = try JSONParser.parse(text)
    } catch {
      let (line, column) = lineAndColumn(of: error.offset, in: text)
      throw CatalogError(
        file: file, message: "is not valid JSON (line \(line), column \(column): \(error.reason))")
    }
    guard case .object(let top) = root else {
      throw CatalogError(file: file, message: "must be a JSON object like {\"providers\": {…}}")
    }
    for key in top.keys where !topLevelKeys.contains(key) {
      throw CatalogError(
        file: file, field: key, message: "unknown top-level key (expected \"providers\")")
    }
    guard let providers = top["providers"] else { return JSONObject() }
    guard case .object(let object) = providers else {
      throw CatalogError(file: file, field: "providers", message: "must be an object of provider entries")
    }
    return object
  }

  private static func validateName(_ name: String, file: String) throws(CatalogError) {
    let valid =
      !name.isEmpty && name.count <= 40
      && name.utf8.allSatisfy {
        ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z"))
          || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
          || $0 == UInt8(ascii: "-")
      } && name.first != "-"
    if !valid {
      throw CatalogError(
        file: file, provider: name, message: "invalid provider name (use lowercase letters, digits and -)")
    }
  }

  /// Objects merge member by member; anything else replaces; `null` removes.
  static func merge(_ base: JSONObject, _ override: JSONObject) -> JSONObject {
    var result = base
    for (key, value) in zip(override.keys, override.values) {
      switch (result[key], value) {
      case (_, .null): result[key] = nil
      case (.object(let left)?, .object(let right)): result[key] = .object(merge(left, right))
      default: result[key] = value
      }
    }
    return result
  }

  private static func decode(name: String, entry: JSONValue, file: String) throws(CatalogError)
    -> ProviderDefinition
  {
    guard case .object(var object) = entry else {
      throw CatalogError(file: file, provider: name, message: "an entry must be a JSON object")
    }
    for key in object.keys where !entryKeys.contains(key) {
      throw CatalogError(
        file: file, provider: name, field: key,
        message: "unknown field (known: \(entryKeys.sorted().joined(separator: ", ")))")
    }
    object["name"] = .string(name)
    // The hand-written reader decodes a valid entry; an invalid one goes through `Codable` for
    // the message naming its field.
    if let definition = ProviderDefinition(catalogEntry: object) { return definition }
    do {
      return try JSONValueDecoder().decode(ProviderDefinition.self, from: .object(object))
    } catch let error as DecodingError {
      let (field, message) = describe(error)
      throw CatalogError(file: file, provider: name, field: field, message: message)
    } catch {
      throw CatalogError(file: file, provider: name, message: "\(error)")
    }
  }

  private static func describe(_ error: DecodingError) -> (String?, String) {
    func path(_ keys: [any CodingKey]) -> String? {
      let parts = keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
      guard !parts.isEmpty else { return nil }
      return parts.reduce("") { $0.isEmpty || $1.hasPrefix("[") ? $0 + $1 : $0 + "." + $1 }
    }
    switch error {
    case .keyNotFound(let key, let context):
      return (path(context.codingPath + [key]), "is required but missing")
    case .typeMismatch(let type, let context):
      return (path(context.codingPath), "has the wrong type (expected \(typeName(type)))")
    case .valueNotFound(let type, let context):
      return (path(context.codingPath), "is null (expected \(typeName(type)))")
    case .dataCorrupted(let context):
      return (path(context.codingPath), context.debugDescription)
    @unknown default:
      return (nil, "\(error)")
    }
  }

  private static func typeName(_ type: Any.Type) -> String {
    switch type {
    case is String.Type: "a string"
    case is [String].Type: "an array of strings"
    case is [String: String].Type: "an object of strings"
    case is Bool.Type: "true or false"
    case is Int.Type, is Double.Type: "a number"
    default: type is any Collection.Type ? "an array" : "an object"
    }
  }

  private static func lineAndColumn(of offset: Int, in bytes: [UInt8]) -> (Int, Int) {
    var line = 1
    var column = 1
    for byte in bytes.prefix(offset) {
      if byte == UInt8(ascii: "\n") {
        line += 1
        column = 1
      } else {
        column += 1
      }
    }
    return (line, column)
  }
}
