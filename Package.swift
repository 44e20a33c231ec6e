// swift-tools-version: 6.0
// multiagent — runs coding-agent CLIs as managed, long-running agents.
// Zero third-party packages: only the Swift toolchain and system C libraries.
// Linux only, which is what CI builds and tests: the platform code (posix_spawn, /proc, pidfd,
// inotify) is in `+Linux.swift` files behind small protocols, so a macOS port is more files, not a
// hunt through `#if`s — but until one exists and is tested, no Apple platform is claimed.
import Foundation
import PackageDescription

/// How the `multiagent` executable is linked on Linux, beyond the static Swift runtime: each piece
/// is used only when this machine has what it needs, so a machine without them still builds (with
/// a larger, slower-starting binary). See `Link/README.md` and BENCHMARKS.md for the figures.
enum ExecutableLink {
  static let root = Context.packageDirectory

  static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

  /// The toolchain's lld, which lays out the hot functions together (`--symbol-ordering-file`).
  static let lld = (Context.environment["PATH"] ?? "").split(separator: ":").contains {
    exists("\($0)/ld.lld")
  }

  /// Static archives of the C++ runtime and SQLite, linked in (with lld) instead of their shared
  /// libraries.
  static let staticCxx = gccHasArchive("libstdc++.a")
  /// The static unwinder (libgcc_eh), linked in instead of libgcc_s.so.1.
  static let staticUnwinder = gccHasArchive("libgcc_eh.a")

  /// Whether GCC's library folder (`/usr/lib/gcc/<triple>/<version>/`) has the archive `name`.
  static func gccHasArchive(_ name: String) -> Bool {
    let folder = "/usr/lib/gcc"
    return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).contains { triple in
      ((try? FileManager.default.contentsOfDirectory(atPath: "\(folder)/\(triple)")) ?? []).contains {
        exists("\(folder)/\(triple)/\($0)/\(name)")
      }
    }
  }
  static let staticSQLite = ["x86_64-linux-gnu", "aarch64-linux-gnu"].contains {
    exists("/usr/lib/\($0)/libsqlite3.a")
  }

  /// lld, then its output written anew so that the page cache holds it in large folios
  /// (`Link/README.md`); used only when executable (a checkout that lost the bit links with lld).
  static let rewritingLinker = FileManager.default.isExecutableFile(
    atPath: "\(root)/Link/lld-rewriting-output")

  static var flags: [String] {
    var flags = ["-static-stdlib", "-Xclang-linker", "-no-pie"]
    // Without lld, the toolchain's default linker and shared libraries (gold does not read the
    // `-l:` inputs of the linker scripts in Link/static-*).
    guard lld else { return flags }
    flags += [
      "-use-ld=lld", "-Xlinker", "--symbol-ordering-file=\(root)/Link/hot-symbols.txt",
      "-Xlinker", "--no-warn-symbol-ordering", "-Xlinker", "--no-export-dynamic",
    ]
    if rewritingLinker { flags += ["-ld-path=\(root)/Link/lld-rewriting-output"] }
    if staticCxx { flags += ["-L\(root)/Link/static-libstdc++"] }
    if staticSQLite { flags += ["-L\(root)/Link/static-sqlite"] }
    if staticUnwinder { flags += ["-L\(root)/Link/static-libgcc"] }
    return flags
  }
}

/// Compiler settings of every module the libraries and the executable are built from.
enum LibraryCode {
  /// Generic types are made at run time through their metadata accessors, with the conformances
  /// they need referenced directly, instead of from their mangled names: the runtime otherwise
  /// demangles each name on first use and finds its conformances by scanning every conformance
  /// record of the program. A spawn and its supervisor then run 11% fewer instructions before the
  /// agent's CLI starts (callgrind; BENCHMARKS.md), for 0.1% more executable. SwiftPM accepts the
  /// flag from a dependency since Swift 6.2 (swift-package-manager #8896); an embedder on an earlier
  /// toolchain builds the libraries without it.
  static var settings: [SwiftSetting] {
    #if compiler(>=6.2)
      [.unsafeFlags(["-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors"])]
    #else
      []
    #endif
  }
}

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
    .target(name: "JSONKit", swiftSettings: LibraryCode.settings),
    // Protocols and value types; no I/O beyond decoding definitions.
    .target(name: "ProviderKit", dependencies: ["JSONKit"], swiftSettings: LibraryCode.settings),
    // The built-in providers; the catalog (providers.json) is embedded at build time.
    .target(
      name: "Providers",
      dependencies: ["JSONKit", "ProviderKit"],
      swiftSettings: LibraryCode.settings,
      plugins: ["EmbedProviderCatalog"]
    ),
    // The state database: SQLite, WAL, busy handling, and a migration runner for the tables each
    // store (agents, accounts) brings. A product because StoreError is in their public signatures.
    // PostgreSQL (libpq) is the second engine behind the same store code, for several controllers.
    .target(name: "StateStore", dependencies: ["CSQLite", "CLibPQ"], swiftSettings: LibraryCode.settings),
    // Child processes: posix_spawn, run to completion, wait, inspect (/proc), tear down groups.
    .target(name: "ProcessKit", dependencies: ["CMultiAgentShims"], swiftSettings: LibraryCode.settings),
    .target(
      name: "Credentials", dependencies: ["JSONKit", "ProviderKit", "StateStore", "ProcessKit"],
      swiftSettings: LibraryCode.settings),
    .target(
      name: "MultiAgent",
      dependencies: [
        "JSONKit", "ProviderKit", "Providers", "Credentials", "StateStore", "ProcessKit", "CSQLite",
        "CMultiAgentShims",
      ],
      swiftSettings: LibraryCode.settings
    ),
    // Linked with a static Swift runtime and Foundation, and not position-independent (no start-up
    // relocations; shared libraries, heap and stack are still randomized): every command and every
    // detached supervisor starts in a third of the time and with less than half the memory of a
    // dynamically linked one. With lld, the functions a supervisor and the everyday commands run are
    // laid out together (Link/hot-symbols.txt), and libstdc++ and SQLite are linked in statically
    // (ExecutableLink above). The library products carry none of these, so they stay embeddable.
    .executableTarget(
      name: "multiagent",
      dependencies: [
        "MultiAgent", "ProcessKit", "JSONKit", "ProviderKit", "Providers", "StateStore", "CProgramArguments",
        "CSupervisorAhead",
      ],
      swiftSettings: [
        .unsafeFlags(["-static-stdlib", "-use-static-resource-dir"], .when(platforms: [.linux]))
      ] + LibraryCode.settings,
      linkerSettings: [.unsafeFlags(ExecutableLink.flags, .when(platforms: [.linux]))]),

    // System SQLite (sqlite3.h, -lsqlite3) and a C shim for libc symbols Swift cannot reach. No
    // pkg-config: its `-L/usr/lib/<triple>` would put the shared library ahead of the static one the
    // executable links (Link/static-sqlite); the header and library are in the default paths.
    .systemLibrary(
      name: "CSQLite",
      path: "Sources/CSQLite",
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
    // The executable's own `CommandLine.arguments`, captured before `main` instead of found through
    // /proc/self/maps by the static Swift runtime at every start (see its arguments.c). DWARF 4:
    // valgrind 3.19 (scripts/profile-layout.py) gives up on the executable with this object's
    // DWARF 5 string forms.
    .target(name: "CProgramArguments", cSettings: [.unsafeFlags(["-gdwarf-4"])]),
    // The executable's start-up launches a spawn's supervisor before the Swift runtime starts (see
    // its supervisor_ahead.c); the spawn takes it over through `PendingSupervisor`.
    .target(name: "CSupervisorAhead", cSettings: [.unsafeFlags(["-gdwarf-4"])]),

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
