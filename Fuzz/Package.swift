// swift-tools-version: 6.0
// libFuzzer targets for multiagent's parsers of untrusted text: the output dialects, JSON, reset
// times and exhaustion rules, signal files, providers.json and the CLI's command line. Build and
// run them with `scripts/fuzz`.
import Foundation
import PackageDescription

let library: [Target.Dependency] = [
  .product(name: "JSONKit", package: "multiagent"),
  .product(name: "ProviderKit", package: "multiagent"),
  .product(name: "Providers", package: "multiagent"),
]

/// A fuzz target: an executable whose `main.swift` runs libFuzzer's driver on the target's
/// `LLVMFuzzerTestOneInput` (see Sources/FuzzSupport/FuzzDriver.swift for why not `-sanitize=fuzzer`).
/// The code is instrumented by `-Xswiftc` flags given to every target (see scripts/fuzz).
func fuzzTarget(_ name: String, _ dependencies: [Target.Dependency] = []) -> Target {
  .executableTarget(name: name, dependencies: library + ["FuzzSupport"] + dependencies)
}

/// The folder holding libFuzzer's `libclang_rt.fuzzer_no_main` in the toolchain: given by
/// `MULTIAGENT_FUZZER_LIBRARY_DIR` (scripts/fuzz sets it), else found next to `swiftc` on PATH.
let fuzzerLibraryDirectory: String = {
  if let given = Context.environment["MULTIAGENT_FUZZER_LIBRARY_DIR"], !given.isEmpty { return given }
  let files = FileManager.default
  for bin in (Context.environment["PATH"] ?? "").split(separator: ":") {
    let clang = "\(bin)/../lib/clang"
    for version in (try? files.contentsOfDirectory(atPath: clang)) ?? [] {
      let directory = "\(clang)/\(version)/lib/linux"
      if files.fileExists(atPath: "\(directory)/libclang_rt.fuzzer_no_main-x86_64.a") { return directory }
    }
  }
  return "/opt/swift/usr/lib/clang/21/lib/linux"
}()

let package = Package(
  name: "MultiAgentFuzz",
  dependencies: [
    // The repository root; `name:` keeps the identity stable whatever the clone's folder is called.
    .package(name: "multiagent", path: "..")
  ],
  targets: [
    // libFuzzer's driver, called from Swift; libFuzzer is built against libstdc++.
    .target(
      name: "CFuzzDriver",
      linkerSettings: [
        .unsafeFlags(["-L", fuzzerLibraryDirectory]),
        .linkedLibrary("clang_rt.fuzzer_no_main-x86_64"),
        .linkedLibrary("stdc++"),
      ]),
    .target(name: "FuzzSupport", dependencies: library + ["CFuzzDriver"]),
    fuzzTarget("fuzz-dialects"),
    fuzzTarget("fuzz-json"),
    fuzzTarget("fuzz-reset-time"),
    // Reaches internal types with `@testable import`: needs a debug build (testability on).
    fuzzTarget("fuzz-exhaustion"),
    fuzzTarget("fuzz-signal", [.product(name: "MultiAgent", package: "multiagent")]),
    fuzzTarget("fuzz-catalog"),
    // The CLI's parser lives in the `multiagent` executable target, which no other package can
    // import: this target compiles its Framework and Commands folders (symlinks) with a fuzz entry.
    fuzzTarget(
      "fuzz-cli",
      [
        .product(name: "MultiAgent", package: "multiagent"),
        .product(name: "ProcessKit", package: "multiagent"),
        .product(name: "StateStore", package: "multiagent"),
      ]),
  ],
  swiftLanguageModes: [.v6]
)
