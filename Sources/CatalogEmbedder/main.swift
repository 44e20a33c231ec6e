// Build-time tool: reads providers.json and writes a Swift file that embeds it, so the installed
// `multiagent` binary carries its catalog and works when copied away from the checkout.
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
  FileHandle.standardError.write(Data("usage: CatalogEmbedder <providers.json> <output.swift>\n".utf8))
  exit(2)
}
let input = URL(fileURLWithPath: arguments[1])
let output = URL(fileURLWithPath: arguments[2])
do {
  let data = try Data(contentsOf: input)
  guard let text = String(data: data, encoding: .utf8) else {
    FileHandle.standardError.write(Data("error: \(input.path) is not valid UTF-8\n".utf8))
    exit(1)
  }
  // Pick a raw-string delimiter that cannot occur in the catalog text.
  var hashes = "#"
  while text.contains("\"" + hashes) || text.contains("\\" + hashes) { hashes += "#" }
  let source = """
    // Generated from providers.json by CatalogEmbedder at build time. Do not edit.

    /// The built-in provider catalog, as the UTF-8 text of the repository's `providers.json`.
    let embeddedProviderCatalogJSON: String = \(hashes)\"\"\"
    \(text)
    \"\"\"\(hashes)

    """
  try Data(source.utf8).write(to: output, options: .atomic)
} catch {
  FileHandle.standardError.write(Data("error: \(error)\n".utf8))
  exit(1)
}
