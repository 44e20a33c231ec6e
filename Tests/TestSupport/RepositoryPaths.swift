import Foundation

/// Paths inside the repository checkout, found from this source file's location.
public enum RepositoryPaths {
  /// The repository root (the folder holding Package.swift).
  public static let root: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()  // TestSupport
    .deletingLastPathComponent()  // Tests
    .deletingLastPathComponent()

  /// The project's scripts folder.
  public static var scripts: URL { root.appending(path: "scripts") }

  /// A fixture file under `Tests/<target>/Fixtures/`.
  public static func fixture(_ target: String, _ relativePath: String) -> URL {
    root.appending(path: "Tests/\(target)/Fixtures/\(relativePath)")
  }
}

/// A fresh temporary directory, removed when the value is deinitialized.
public final class TemporaryDirectory: Sendable {
  /// The directory.
  public let url: URL

  /// Creates `/tmp/multiagent-test-<prefix>-<random>`.
  public init(prefix: String = "t") throws {
    let base = URL(fileURLWithPath: NSTemporaryDirectory())
    url = base.appending(path: "multiagent-test-\(prefix)-\(UUID().uuidString.prefix(8).lowercased())")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  /// The path of `name` inside the directory.
  public func path(_ name: String) -> String { url.appending(path: name).path }

  deinit { try? FileManager.default.removeItem(at: url) }
}
