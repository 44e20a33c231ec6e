import Synchronization

/// The providers multiagent knows: the catalog's definitions, each paired with the parser of its
/// output dialect, plus any provider a library user registers in code.
public struct ProviderRegistry: Sendable {
  private var providersByName: [String: Slot] = [:]
  /// The parser factories, by dialect name.
  public let dialects: [String: OutputParserFactory]

  /// A provider, or a built-in entry decoded when first asked for.
  private enum Slot: Sendable {
    case ready(any AgentProvider)
    case pending(PendingProvider)

    var provider: any AgentProvider {
      switch self {
      case .ready(let provider): provider
      case .pending(let pending): pending.provider
      }
    }
  }

  /// A built-in entry and its dialect's parser, decoded on first use (then kept).
  private final class PendingProvider: Sendable {
    let definition: ProviderCatalog.PendingDefinition
    let factory: OutputParserFactory
    private let decoded = Mutex<(any AgentProvider)?>(nil)

    init(_ definition: ProviderCatalog.PendingDefinition, factory: @escaping OutputParserFactory) {
      self.definition = definition
      self.factory = factory
    }

    var provider: any AgentProvider {
      decoded.withLock { decoded in
        if let decoded { return decoded }
        // The built-in catalog is checked by the tests: every entry decodes.
        let definition: ProviderDefinition
        do { definition = try self.definition.decode() } catch {
          preconditionFailure("the built-in definition of \(self.definition.name) is invalid: \(error)")
        }
        let provider = CatalogProvider(definition: definition, parserFactory: factory)
        decoded = provider
        return provider
      }
    }
  }

  /// Creates a registry from catalog entries (``ProviderCatalog/pendingDefinitions(builtin:user:)``):
  /// entries a user file touched are decoded now, so that their mistakes are reported at once;
  /// untouched built-in entries when first used.
  ///
  /// - Throws: ``CatalogError`` for an invalid user entry or a dialect with no parser.
  public init(
    catalog: [ProviderCatalog.PendingDefinition], dialects: [String: OutputParserFactory]
  ) throws(CatalogError) {
    self.dialects = dialects
    for entry in catalog {
      if entry.isBuiltin, let dialect = entry.dialect, let factory = dialects[dialect] {
        providersByName[entry.name] = .pending(PendingProvider(entry, factory: factory))
      } else {
        let definition = try entry.decode()
        providersByName[definition.name] = .ready(
          try Self.provider(for: definition, dialects: dialects, file: entry.file))
      }
    }
  }

  /// Creates a registry from definitions and the parsers of the dialects they name.
  ///
  /// - Throws: ``CatalogError`` when a definition names a dialect with no parser.
  public init(
    definitions: [ProviderDefinition], dialects: [String: OutputParserFactory],
    origin: (String) -> String = { _ in "providers.json" }
  ) throws(CatalogError) {
    self.dialects = dialects
    for definition in definitions {
      providersByName[definition.name] = .ready(
        try Self.provider(for: definition, dialects: dialects, file: origin(definition.name)))
    }
  }

  private static func provider(
    for definition: ProviderDefinition, dialects: [String: OutputParserFactory], file: String
  ) throws(CatalogError) -> CatalogProvider {
    guard let factory = dialects[definition.dialect] else {
      throw CatalogError(
        file: file, provider: definition.name, field: "dialect",
        message:
          "unknown dialect \"\(definition.dialect)\" (known: \(dialects.keys.sorted().joined(separator: ", ")))"
      )
    }
    return CatalogProvider(definition: definition, parserFactory: factory)
  }

  /// Adds or replaces a provider.
  public mutating func register(_ provider: any AgentProvider) {
    providersByName[provider.definition.name] = .ready(provider)
  }

  /// Every provider name, sorted.
  public var names: [String] { providersByName.keys.sorted() }

  /// Every provider, sorted by name.
  public var providers: [any AgentProvider] { names.map { providersByName[$0]!.provider } }

  /// The provider called `name`.
  ///
  /// - Throws: ``ProviderError`` with code ``ProviderError/Code/unknownProvider`` naming the valid choices.
  public func provider(named name: String) throws(ProviderError) -> any AgentProvider {
    guard let provider = providersByName[name]?.provider else {
      throw ProviderError(
        .unknownProvider,
        "unknown provider \"\(name)\" (valid: \(names.joined(separator: ", ")))")
    }
    return provider
  }
}
