import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// `spawn --input` takes regular files only: a symbolic link is copied as the file it points to,
/// anything else is refused up front — never opened, nothing left behind.
@Suite struct SpawnInputTests {
  enum Kind: String, Sendable, CaseIterable, CustomStringConvertible {
    case fifo, socket, device, directory, danglingLink
    var description: String { rawValue }

    /// What the refusal says.
    var message: String {
      switch self {
      case .fifo: "FIFO"
      case .socket: "socket"
      case .device: "character device"
      case .directory: "directory"
      case .danglingLink: "symbolic link to missing.txt, which does not exist"
      }
    }
  }

  /// Makes an input of `kind` in `directory` and returns its path.
  static func make(_ kind: Kind, in directory: String) throws -> String {
    switch kind {
    case .fifo:
      let path = directory + "/pipe"
      #expect(mkfifo(path, 0o600) == 0)
      return path
    case .socket:
      let path = directory + "/sock"
      try bindSocket(at: path)
      return path
    case .device:
      return "/dev/null"
    case .directory:
      return directory
    case .danglingLink:
      let path = directory + "/link.txt"
      try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: "missing.txt")
      return path
    }
  }

  /// Creates a Unix socket at `path` (the descriptor stays open until the test process ends).
  static func bindSocket(at path: String) throws {
    let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    try #require(bytes.count < MemoryLayout.size(ofValue: address.sun_path))
    withUnsafeMutableBytes(of: &address.sun_path) { buffer in
      for (index, byte) in bytes.enumerated() { buffer[index] = byte }
    }
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
      }
    }
    try #require(bound == 0)
  }

  @Test(arguments: Kind.allCases)
  func anInputThatIsNotARegularFileIsRefused(_ kind: Kind) throws {
    let world = try LifecycleSandbox()
    let directory = world.sandbox.root.path("in")
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let input = try Self.make(kind, in: directory)
    let arguments = [
      "--home", world.home, "spawn", "--provider", "fake", "--cwd", world.repository, "--input", input,
    ]

    // A FIFO opened for reading would block until a writer comes: the timeout catches a hang.
    let result = try CLIRunner.run(arguments + ["task"], environment: world.sandbox.environment, timeout: 20)
    #expect(result.exitCode == 1, "\(result.stderr)")
    #expect(result.stderr.contains(input) && result.stderr.contains(kind.message), "\(result.stderr)")
    let json = try CLIRunner.run(
      arguments + ["--json", "task"], environment: world.sandbox.environment, timeout: 20)
    #expect((try json.jsonObject()["error"] as? [String: Any])?["code"] as? String == "invalid_path")
    #expect(try world.records().isEmpty)
    #expect(world.leftovers().agents.isEmpty && world.leftovers().worktrees.isEmpty)
    #expect(try world.branches() == ["main"])
  }

  @Test func aRelativeLinkIsCopiedAsTheFileItPointsTo() throws {
    let world = try LifecycleSandbox()
    let directory = world.sandbox.root.path("in")
    try FileManager.default.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)
    try "the notes\n".write(toFile: directory + "/data/notes-v2.md", atomically: true, encoding: .utf8)
    try FileManager.default.createSymbolicLink(
      atPath: directory + "/notes.md", withDestinationPath: "data/notes-v2.md")

    let name = try world.spawn("task", extra: ["--input", directory + "/notes.md"])
    #expect(try world.run(["wait", name]).exitCode == 0)
    let id = try #require(try world.record(name)["id"] as? String)
    let copy = world.stateDirectory(id) + "/inputs/notes.md"
    let attributes = try FileManager.default.attributesOfItem(atPath: copy)
    #expect(attributes[.type] as? FileAttributeType == .typeRegular)
    #expect(try String(contentsOfFile: copy, encoding: .utf8) == "the notes\n")
    #expect(try world.calls().last?.argv.contains { $0.contains(copy) } == true)
  }

  /// A prompt, answers or message file that is not a regular file is refused with what it is, never
  /// waited on (a FIFO) or read without end (a device); a missing one says why.
  @Test(arguments: [Kind.fifo, .device, .directory])
  func aTextFileThatIsNotARegularFileIsRefused(_ kind: Kind) throws {
    let world = try LifecycleSandbox()
    let directory = world.sandbox.root.path("in")
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let file = try Self.make(kind, in: directory)
    let commands: [([String], String)] = [
      (["spawn", "--provider", "fake", "--cwd", world.repository, "--prompt-file", file], "the prompt file"),
      (["answer", "ghost", "--answers-file", file], "the answers file"),
      (["send", "ghost", "--file", file], "the message file"),
    ]
    for (arguments, what) in commands {
      let result = try CLIRunner.run(
        ["--home", world.home] + arguments, environment: world.sandbox.environment, timeout: 20)
      #expect(result.exitCode == 1, "\(arguments): \(result.stderr)")
      #expect(
        result.stderr.contains("\(what) \(file) is ") && result.stderr.contains(kind.message),
        "\(result.stderr)")
    }
    let missing = try world.run([
      "spawn", "--provider", "fake", "--cwd", world.repository, "--prompt-file", "/no/such",
    ])
    #expect(missing.exitCode == 1)
    #expect(
      missing.stderr.contains("cannot read the prompt file /no/such: No such file or directory"),
      "\(missing.stderr)")
    #expect(try world.records().isEmpty)
    #expect(try world.branches() == ["main"])
  }
}
