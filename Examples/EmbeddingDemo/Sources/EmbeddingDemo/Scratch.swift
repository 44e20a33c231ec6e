import Foundation

/// A throwaway state home and git repository for one demo run, removed afterwards.
struct Scratch {
  let root: String
  var home: String { root + "/home" }
  var repository: String { root + "/repo" }

  init() throws {
    root =
      FileManager.default.temporaryDirectory.appendingPathComponent("embedding-demo-\(UUID().uuidString)")
      .path
    try FileManager.default.createDirectory(atPath: repository, withIntermediateDirectories: true)
    try "# demo\n".write(toFile: repository + "/README.md", atomically: true, encoding: .utf8)
    for words in [["init", "-q", "-b", "main"], ["add", "README.md"], ["commit", "-q", "-m", "start"]] {
      try git(words)
    }
  }

  private func git(_ words: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments =
      ["git", "-C", repository, "-c", "user.name=demo", "-c", "user.email=demo@example.invalid"]
      + words
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "git \(words[0]) failed"])
    }
  }

  func remove() {
    try? FileManager.default.removeItem(atPath: root)
  }
}
