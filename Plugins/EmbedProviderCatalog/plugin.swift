import PackagePlugin

/// Embeds the package's top-level `providers.json` into the target as Swift source, so the single
/// source of truth for the built-in catalog is the JSON file and the binary needs no resource files.
@main
struct EmbedProviderCatalog: BuildToolPlugin {
  func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
    let input = context.package.directoryURL.appending(path: "providers.json")
    let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedProviderCatalog.swift")
    return [
      .buildCommand(
        displayName: "Embedding providers.json",
        executable: try context.tool(named: "CatalogEmbedder").url,
        arguments: [input.path, output.path],
        inputFiles: [input],
        outputFiles: [output]
      )
    ]
  }
}
