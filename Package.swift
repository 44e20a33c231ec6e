// swift-tools-version: 6.0
// multiagent — runs coding-agent CLIs as managed, long-running agents.
// Zero third-party packages: only the Swift toolchain and system C libraries.
// Linux only, which is what CI builds and tests: the platform code (posix_spawn, /proc, pidfd,
// inotify) is in `+Linux.swift` files behind small protocols, so a macOS port is more files, not a
// hunt through `#if`s — but until one exists and is tested, no Apple platform is claimed.
import PackageDescription

let package = Package(
  name: "multiagent",
  products: [
    .library(name: "JSONKit", targets: ["JSONKit"]),
    .library(name: "ProviderKit", targets: ["ProviderKit"]),
    .library(name: "Providers", targets: ["Providers"]),
    .library(name: "ProcessKit", targets: ["ProcessKit"]),
    .library(name: "StateStore", targets: ["StateStore"]),
    .library(name: "Credentials", targets: ["Credentials"]),
    .library(name: "MultiAgent", targets: ["MultiAgent"]),
    .executable(name: "multiagent", targets: ["multiagent"]),
  ],
  targets: [
    // The strict RFC 8259 JSON parser and writer; nothing but the standard library and libc.
    .target(name: "JSONKit"),
    // Protocols and value types; no I/O beyond decoding definitions.
    .target(name: "ProviderKit", dependencies: ["JSONKit"]),
    // The built-in providers; the catalog (providers.json) is embedded at build time.
    .target(
      name: "Providers",
      dependencies: ["JSONKit", "ProviderKit"],
      plugins: ["EmbedProviderCatalog"]
    ),
    // The state database: SQLite, WAL, busy handling, and a migration runner for the tables each
    // store (agents, accounts) brings. A product because StoreError is in their public signatures.
    // PostgreSQL (libpq) is the second engine behind the same store code, for several controllers.
    .target(name: "StateStore", dependencies: ["CSQLite", "CLibPQ"]),
    // Child processes: posix_spawn, run to completion, wait, inspect (/proc), tear down groups.
    .target(name: "ProcessKit", dependencies: ["CMultiAgentShims"]),
    .target(name: "Credentials", dependencies: ["JSONKit", "ProviderKit", "StateStore", "ProcessKit"]),
    .target(
      name: "MultiAgent",
      dependencies: [
        "JSONKit", "ProviderKit", "Providers", "Credentials", "StateStore", "ProcessKit", "CSQLite",
        "CMultiAgentShims",
      ]
    ),
    // Linked with a static Swift runtime and Foundation, and not position-independent (no start-up
    // relocations; shared libraries, heap and stack are still randomized): every command and every
    // detached supervisor starts in a third of the time and with less than half the memory of a
    // dynamically linked one. The library products carry no such flags, so they stay embeddable.
    .executableTarget(
      name: "multiagent",
      dependencies: ["MultiAgent", "ProcessKit", "JSONKit", "ProviderKit", "Providers", "StateStore"],
      swiftSettings: [
        .unsafeFlags(["-static-stdlib", "-use-static-resource-dir"], .when(platforms: [.linux]))
      ],
      linkerSettings: [
        .unsafeFlags(["-static-stdlib", "-Xclang-linker", "-no-pie"], .when(platforms: [.linux]))
      ]),

    // System SQLite (sqlite3.h, pkg-config sqlite3) and a C shim for libc symbols Swift cannot reach.
    .systemLibrary(
      name: "CSQLite",
      path: "Sources/CSQLite",
      pkgConfig: "sqlite3",
      providers: [.apt(["libsqlite3-dev"])]
    ),
    // libpq's header (libpq-dev): the client of the PostgreSQL store. Not linked: the library is
    // loaded with dlopen when a PostgreSQL store is opened (see Sources/StateStore/LibPQ.swift).
    .systemLibrary(
      name: "CLibPQ",
      path: "Sources/CLibPQ",
      providers: [.apt(["libpq-dev"])]
    ),
    .target(name: "CMultiAgentShims", path: "Sources/CMultiAgentShims"),

    // Build-time tool + plugin that turn providers.json into Swift source.
    .executableTarget(name: "CatalogEmbedder"),
    .plugin(
      name: "EmbedProviderCatalog",
      capability: .buildTool(),
      dependencies: ["CatalogEmbedder"]
    ),

    // Benchmarks are executables that print figures; never timed assertions in tests.
    .executableTarget(
      name: "multiagent-bench",
      dependencies: ["ProviderKit", "Providers"],
      path: "Benchmarks/multiagent-bench"
    ),

    // Test support shared by every test target: fake model server launcher, CLI locator, temp dirs.
    .target(
      name: "TestSupport",
      dependencies: ["JSONKit", "ProviderKit", "Providers", "MultiAgent", "ProcessKit"],
      path: "Tests/TestSupport"
    ),
    .testTarget(name: "JSONKitTests", dependencies: ["JSONKit", "TestSupport"]),
    .testTarget(name: "ProviderKitTests", dependencies: ["ProviderKit", "Providers", "TestSupport"]),
    .testTarget(
      name: "ProvidersTests",
      dependencies: ["ProviderKit", "Providers", "TestSupport"],
      exclude: ["Fixtures"]
    ),
    .testTarget(
      name: "CLITests",
      dependencies: ["MultiAgent", "ProcessKit", "Credentials", "StateStore", "TestSupport"],
      exclude: ["Snapshots"]),
    .testTarget(name: "ProcessKitTests", dependencies: ["ProcessKit"]),
    .testTarget(
      name: "MultiAgentTests",
      dependencies: [
        "JSONKit", "MultiAgent", "Credentials", "ProviderKit", "ProcessKit", "StateStore", "TestSupport",
      ]),
    .testTarget(
      name: "CredentialsTests",
      dependencies: ["Credentials", "StateStore", "JSONKit", "ProviderKit", "Providers", "TestSupport"]),
    .testTarget(
      name: "EndToEndTests",
      dependencies: ["JSONKit", "ProcessKit", "ProviderKit", "Providers", "TestSupport"]),
  ],
  swiftLanguageModes: [.v6]
)
