// swift-tools-version: 6.0
// An embedder of the multiagent libraries: registers a provider that exists only in code (with its
// own CLI and output format), spawns an agent, follows its events, answers its question, and lives
// through an account running out — supervised in-process or by detached processes of this program.
import PackageDescription

let package = Package(
  name: "EmbeddingDemo",
  dependencies: [
    // The repository root; `name:` keeps the identity stable whatever the clone's folder is called.
    .package(name: "multiagent", path: "../..")
  ],
  targets: [
    .executableTarget(
      name: "embedding-demo",
      dependencies: [
        .product(name: "MultiAgent", package: "multiagent"),
        .product(name: "ProviderKit", package: "multiagent"),
        .product(name: "Providers", package: "multiagent"),
      ],
      path: "Sources/EmbeddingDemo")
  ],
  swiftLanguageModes: [.v6]
)
