import Foundation
import ProviderKit

/// The providers that ship with multiagent: the embedded catalog (the repository's providers.json)
/// and the parsers of its output dialects.
public enum BuiltinProviders {
  /// The built-in catalog's JSON text, embedded at build time.
  public static var catalogJSON: String { embeddedProviderCatalogJSON }

  /// The built-in definitions, without any user overrides.
  public static func definitions() throws(CatalogError) -> [ProviderDefinition] {
    try ProviderCatalog.definitions(builtin: catalogJSON)
  }

  /// A registry of the built-in providers merged with the user's catalog file, if it exists.
  ///
  /// - Parameter userCatalogPath: usually `$MULTIAGENT_HOME/providers.json`.
  /// - Throws: ``CatalogError`` naming the file, the provider and the field when the user's file is
  ///   not valid.
  public static func registry(userCatalogPath: String? = nil) throws(CatalogError) -> ProviderRegistry {
    let catalog = try ProviderCatalog.pendingDefinitions(
      builtin: catalogJSON, user: ProviderCatalog.userCatalog(at: userCatalogPath))
    return try ProviderRegistry(catalog: catalog, dialects: BuiltinDialects.all)
  }
}
