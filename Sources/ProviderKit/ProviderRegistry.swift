/// The providers multiagent knows: the catalog's definitions, each paired with the parser of its
/// output dialect, plus any provider a library user registers in code.
public struct ProviderRegistry: Sendable {
  private var providersByName: [String: any AgentProvider] = [:]
  /// The parser factories, by dialect name.
  public let dialects: [String: OutputParserFactory]

  /// Creates a registry from definitions and the parsers of the dialects they name.
  ///
  /// - Throws: ``CatalogError`` when a definition names a dialect with no parser.
  public init(
    definitions: [ProviderDefinition], dialects: [String: OutputParserFactory],
    origin: (String) -> String = { _ in "providers.json" }
  ) throws(CatalogError) {
    self.dialects = dialects
    for definition in definitions {
      guard let factory = dialects[definition.dialect] else {
        throw CatalogError(
          file: origin(definition.name), provider: definition.name, field: "dialect",
          message:
            "unknown dialect \"\(definition.dialect)\" (known: \(dialects.keys.sorted().joined(separator: ", ")))"
        )
      }
      providersByName[definition.name] = CatalogProvider(definition: definition, parserFactory: factory)
    }
  }

  /// Adds or replaces a provider.
  public mutating func register(_ provider: any AgentProvider) {
    providersByName[provider.definition.name] = provider
  }

  /// Every provider name, sorted.
  public var names: [String] { providersByName.keys.sorted() }

  /// Every provider, sorted by name.
  public var providers: [any AgentProvider] { names.map { providersByName[$0]! } }

  /// The provider called `name`.
  ///
  /// - Throws: ``ProviderError`` with code ``ProviderError/Code/unknownProvider`` naming the valid choices.
  public func provider(named name: String) throws(ProviderError) -> any AgentProvider {
    guard let provider = providersByName[name] else {
      throw ProviderError(
        .unknownProvider,
        "unknown provider \"\(name)\" (valid: \(names.joined(separator: ", ")))")
    }
    return provider
  }
}
