import FuzzSupport
import ProviderKit
import Providers

/// The user's providers.json merged over the built-in catalog, as `BuiltinProviders.registry`
/// reads it (but from memory, not a file). An invalid file must be a `CatalogError`, never a crash;
/// a valid one must give a registry whose every provider can build its commands and a parser.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let user = (text: FuzzInput.bytes(data, size), file: "fuzz/providers.json")
  let registry: ProviderRegistry
  do {
    let catalog = try ProviderCatalog.pendingDefinitions(builtin: BuiltinProviders.catalogJSON, user: user)
    registry = try ProviderRegistry(catalog: catalog, dialects: BuiltinDialects.all)
  } catch {
    guard !error.description.isEmpty else { fatalError("an empty catalog error") }
    return 0
  }
  let request = CommandRequest(prompt: "fuzz", workingDirectory: "/tmp", model: "m")
  for provider in registry.providers {
    _ = try? provider.spawnCommand(for: request, sessionID: nil)
    _ = try? provider.resumeCommand(for: request, sessionID: "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0")
    var parser = provider.makeParser(context: FuzzInput.context())
    _ = parser.parse(line: Array("{\"type\":\"result\",\"is_error\":true}".utf8)[...], offset: 0)
  }
  return 0
}
