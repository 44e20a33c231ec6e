import Foundation
import MultiAgent
import Testing
import TestSupport

/// A process decodes the catalog once per version of the user's providers.json.
@Suite struct ProviderRegistryCacheTests {
  @Test func anEditedProvidersFileIsReadAgainInTheSameProcess() throws {
    let directory = try TemporaryDirectory(prefix: "registry-cache")
    let home = StateHome(path: directory.url.path)
    func write(binary: String) throws {
      let text = #"{"providers": {"codex": {"binary": "\#(binary)"}}}"#
      try text.write(toFile: home.providersFile, atomically: true, encoding: .utf8)
    }
    try write(binary: "codex-one")
    #expect(try home.providerRegistry().provider(named: "codex").definition.binary == "codex-one")
    // Same answer from the cache while the file is unchanged.
    #expect(try home.providerRegistry().provider(named: "codex").definition.binary == "codex-one")
    try write(binary: "codex-two")
    #expect(try home.providerRegistry().provider(named: "codex").definition.binary == "codex-two")
    try FileManager.default.removeItem(atPath: home.providersFile)
    #expect(try home.providerRegistry().provider(named: "codex").definition.binary == "codex")
  }
}
