import Foundation
import ProviderKit
import Providers
import TestSupport
import Testing

@testable import Credentials

/// Moving Claude and Codex sessions between account config dirs, on trees laid out like the real
/// CLIs' (real-clis.md §4).
@Suite struct SessionPorterTests {
  let directory: TemporaryDirectory
  let claude: ProviderDefinition
  let codex: ProviderDefinition
  let porter = SessionPorter()
  let sessionID = "c92623d7-5d2e-4f4a-9b1e-0a6f3c2b7e11"
  let threadID = "0199a213-81c0-7800-8aa1-bbab2a035a53"

  init() throws {
    directory = try TemporaryDirectory(prefix: "porter")
    let definitions = try BuiltinProviders.definitions()
    claude = try #require(definitions.first { $0.name == "claude" })
    codex = try #require(definitions.first { $0.name == "codex" })
  }

  // MARK: - Helpers

  func write(_ relative: String, in root: String, _ text: String, modified: Date? = nil) throws {
    let path = root + "/" + relative
    try FileManager.default.createDirectory(
      atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    if let modified {
      try FileManager.default.setAttributes([.modificationDate: modified], ofItemAtPath: path)
    }
  }

  func append(_ relative: String, in root: String, _ text: String) throws {
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: root + "/" + relative))
    try handle.seekToEnd()
    try handle.write(contentsOf: Data(text.utf8))
    try handle.close()
  }

  func read(_ relative: String, in root: String) -> String? {
    FileManager.default.contents(atPath: root + "/" + relative).map { String(decoding: $0, as: UTF8.self) }
  }

  func mode(_ path: String) throws -> Int {
    try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
  }

  /// Every file under `root`, relative, sorted.
  func files(under root: String) -> [String] {
    guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
    var result: [String] = []
    while let relative = enumerator.nextObject() as? String {
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: root + "/" + relative, isDirectory: &isDirectory),
        !isDirectory.boolValue
      {
        result.append(relative)
      }
    }
    return result.sorted()
  }

  /// A Claude config dir with our session, its folder, and things that must not move.
  func claudeTree(_ root: String) throws {
    try write(".credentials.json", in: root, #"{"claudeAiOauth":{"accessToken":"secret"}}"#)
    try write(".claude.json", in: root, "{}")
    try write(
      "projects/-tmp-x/\(sessionID).jsonl", in: root,
      "{\"type\":\"user\",\"n\":1}\n{\"type\":\"assistant\"}\n")
    try write("projects/-tmp-x/\(sessionID)/subagents/agent-a1.jsonl", in: root, "{\"sub\":1}\n")
    try write("projects/-tmp-x/\(sessionID)/tool-results/toolu_01.txt", in: root, "README.md\n")
    try write("projects/-tmp-x/11111111-2222-3333-4444-555555555555.jsonl", in: root, "other session\n")
    try write("projects/-tmp-x/11111111-2222-3333-4444-555555555555/tool-results/t.txt", in: root, "other\n")
    try write("projects/-tmp-x/memory/MEMORY.md", in: root, "memory\n")
    try write("projects/-tmp-y/\(sessionID)-fork.jsonl", in: root, "not ours\n")
    try write("todos/\(sessionID)-agent.json", in: root, "[]")
  }

  // MARK: - Claude

  @Test func claudeTranscriptAndItsFolderMoveAndNothingElse() throws {
    let source = directory.path("a")
    let destination = directory.path("b")
    try claudeTree(source)

    let written = try porter.port(sessionID: sessionID, provider: claude, from: source, to: destination)

    let expected = [
      "projects/-tmp-x/\(sessionID).jsonl",
      "projects/-tmp-x/\(sessionID)/subagents/agent-a1.jsonl",
      "projects/-tmp-x/\(sessionID)/tool-results/toolu_01.txt",
    ]
    #expect(written.sorted() == expected.map { destination + "/" + $0 }.sorted())
    #expect(files(under: destination) == expected.sorted())
    for relative in expected {
      #expect(read(relative, in: destination) == read(relative, in: source))
      #expect(try mode(destination + "/" + relative) == 0o600)
    }
    for folder in ["", "/projects", "/projects/-tmp-x", "/projects/-tmp-x/\(sessionID)/subagents"] {
      #expect(try mode(destination + folder) == 0o700, "\(folder)")
    }
    // The source is untouched.
    #expect(files(under: source).count == 10)
  }

  @Test func theCopyKeepsBytesExactlyAndTheSourceModificationTime() throws {
    let source = directory.path("a")
    let destination = directory.path("b")
    var bytes = [UInt8](0...255)
    bytes += Array("{\"text\":\"naïve ✓\"}\r\n".utf8) + [UInt8](repeating: 0x41, count: 300_000)
    let relative = "projects/-tmp-x/\(sessionID).jsonl"
    try FileManager.default.createDirectory(
      atPath: source + "/projects/-tmp-x", withIntermediateDirectories: true)
    try Data(bytes).write(to: URL(fileURLWithPath: source + "/" + relative))
    let stamp = Date(timeIntervalSince1970: 1_790_000_000)
    try FileManager.default.setAttributes([.modificationDate: stamp], ofItemAtPath: source + "/" + relative)

    _ = try porter.port(sessionID: sessionID, provider: claude, from: source, to: destination)

    #expect(FileManager.default.contents(atPath: destination + "/" + relative) == Data(bytes))
    let copied = try FileManager.default.attributesOfItem(atPath: destination + "/" + relative)[
      .modificationDate]
    #expect((copied as? Date).map { abs($0.timeIntervalSince(stamp)) < 0.001 } == true)
    // Ported again unchanged: nothing to write.
    #expect(try porter.port(sessionID: sessionID, provider: claude, from: source, to: destination) == [])
  }

  @Test func aSessionPortedBackAndForthNeverLosesATurn() throws {
    let a = directory.path("a")
    let b = directory.path("b")
    let transcript = "projects/-tmp-x/\(sessionID).jsonl"
    try write(transcript, in: a, "turn1\n", modified: Date(timeIntervalSince1970: 1_790_000_000))

    // A is exhausted: move to B, which runs turn 2 and is exhausted in turn 3 (the failed turn is
    // still appended to B's transcript).
    #expect(try porter.port(sessionID: sessionID, provider: claude, from: a, to: b).count == 1)
    try append(transcript, in: b, "turn2\n")
    try append(transcript, in: b, "turn3-failed\n")

    // Back to A: A's older, shorter copy is replaced.
    #expect(try porter.port(sessionID: sessionID, provider: claude, from: b, to: a) == [a + "/" + transcript])
    #expect(read(transcript, in: a) == "turn1\nturn2\nturn3-failed\n")

    // A runs turn 4 and fails; moving to B again carries everything.
    try append(transcript, in: a, "turn4-failed\n")
    _ = try porter.port(sessionID: sessionID, provider: claude, from: a, to: b)
    #expect(read(transcript, in: b) == "turn1\nturn2\nturn3-failed\nturn4-failed\n")

    // B continues; a late port from A's stale copy must not clobber B's longer transcript.
    try append(transcript, in: b, "turn5\n")
    #expect(try porter.port(sessionID: sessionID, provider: claude, from: a, to: b) == [])
    #expect(read(transcript, in: b) == "turn1\nturn2\nturn3-failed\nturn4-failed\nturn5\n")
  }

  @Test func sameSizeCopiesAreDecidedByModificationTime() throws {
    let a = directory.path("a")
    let b = directory.path("b")
    let transcript = "projects/-tmp-x/\(sessionID).jsonl"
    try write(transcript, in: a, "AAAA\n", modified: Date(timeIntervalSince1970: 1_790_000_000))
    try write(transcript, in: b, "BBBB\n", modified: Date(timeIntervalSince1970: 1_790_000_100))
    #expect(try porter.port(sessionID: sessionID, provider: claude, from: a, to: b) == [])
    #expect(read(transcript, in: b) == "BBBB\n")
    #expect(try porter.port(sessionID: sessionID, provider: claude, from: b, to: a) == [a + "/" + transcript])
    #expect(read(transcript, in: a) == "BBBB\n")
  }

  @Test func aStaleCopyInAnotherProjectFolderOfTheDestinationIsRemoved() throws {
    let a = directory.path("a")
    let b = directory.path("b")
    try write("projects/-tmp-x/\(sessionID).jsonl", in: a, "turn1\nturn2\n")
    try write("projects/-elsewhere/\(sessionID).jsonl", in: b, "turn1\n")
    _ = try porter.port(sessionID: sessionID, provider: claude, from: a, to: b)
    #expect(files(under: b) == ["projects/-tmp-x/\(sessionID).jsonl"])
  }

  // MARK: - Codex

  @Test func codexRolloutMovesAndOtherRolloutsStay() throws {
    let source = directory.path("codex-a")
    let destination = directory.path("codex-b")
    let ours = "sessions/2026/11/21/rollout-2026-11-21T10-00-00-\(threadID).jsonl"
    try write("auth.json", in: source, #"{"OPENAI_API_KEY":"sk-secret"}"#)
    try write("config.toml", in: source, "model = \"gpt-5.5\"\n")
    try write("state_5.sqlite", in: source, "SQLite format 3\0")
    try write(ours, in: source, "{\"type\":\"session_meta\"}\n{\"type\":\"response_item\"}\n")
    try write(
      "sessions/2026/11/21/rollout-2026-11-21T09-00-00-0199a213-0000-7000-8000-000000000001.jsonl",
      in: source, "x\n")
    try write(
      "sessions/2026/11/20/rollout-2026-11-20T23-59-59-0199a213-0000-7000-8000-000000000002.jsonl",
      in: source, "y\n")
    try write("sessions/2026/11/21/rollout-2026-11-21T10-00-00-x\(threadID).jsonl", in: source, "z\n")

    let written = try porter.port(sessionID: threadID, provider: codex, from: source, to: destination)

    #expect(written == [destination + "/" + ours])
    #expect(files(under: destination) == [ours])
    #expect(read(ours, in: destination) == read(ours, in: source))
    #expect(try mode(destination + "/" + ours) == 0o600)
    #expect(try mode(destination + "/sessions/2026/11/21") == 0o700)
  }

  @Test func codexRolloutFoundAtAnyDepthUnderSessions() throws {
    let source = directory.path("codex-a")
    let destination = directory.path("codex-b")
    let ours = "sessions/rollout-2020-01-01T00-00-00-\(threadID).jsonl"
    try write(ours, in: source, "moved by hand\n")
    #expect(
      try porter.port(sessionID: threadID, provider: codex, from: source, to: destination) == [
        destination + "/" + ours
      ])
  }

  // MARK: - Errors

  @Test func aMissingTranscriptIsAnIOError() throws {
    let source = directory.path("a")
    try claudeTree(source)
    let error = #expect(throws: CredentialError.self) {
      try porter.port(
        sessionID: "99999999-0000-0000-0000-000000000000", provider: claude, from: source,
        to: directory.path("b"))
    }
    #expect(error?.code == .io)
    #expect(error?.message.contains("no transcript for session 99999999-0000-0000-0000-000000000000") == true)
    #expect(!FileManager.default.fileExists(atPath: directory.path("b")))
    // A config dir that does not exist at all.
    let missing = #expect(throws: CredentialError.self) {
      try porter.port(
        sessionID: sessionID, provider: claude, from: directory.path("nope"), to: directory.path("b"))
    }
    #expect(missing?.code == .io)
  }

  @Test func aProviderWithoutSessionFilesCannotMoveASession() throws {
    let gemini = try #require(try BuiltinProviders.definitions().first { $0.name == "gemini" })
    #expect(gemini.sessionFiles == nil)
    let error = #expect(throws: CredentialError.self) {
      try porter.port(
        sessionID: sessionID, provider: gemini, from: directory.path("a"), to: directory.path("b"))
    }
    #expect(error?.message.contains("cannot move") == true)
  }

  @Test(arguments: ["", "../etc", "a/b", "..", "x..y"])
  func anInvalidSessionIDIsRefused(_ id: String) throws {
    let source = directory.path("a")
    try claudeTree(source)
    let error = #expect(throws: CredentialError.self) {
      try porter.port(sessionID: id, provider: claude, from: source, to: directory.path("b"))
    }
    #expect(error?.message.contains("invalid session id") == true)
  }

  // MARK: - Patterns

  @Test func patternsMatchOneSegmentWithStarAndAnyDepthWithDoubleStar() throws {
    let root = directory.path("p")
    try write("a/b/c/rollout-1-ID.jsonl", in: root, "")
    try write("a/rollout-2-ID.jsonl", in: root, "")
    try write("a/b/rollout-3-NOTID.jsonl", in: root, "")
    try write("a/.hidden/rollout-4-ID.jsonl", in: root, "")
    let deep = try SessionPattern("a/**/rollout-*-{session}.jsonl", sessionID: "ID")
    #expect(
      deep.matches(in: root, acceptDirectories: false) == [
        "a/b/c/rollout-1-ID.jsonl", "a/rollout-2-ID.jsonl",
      ])
    let shallow = try SessionPattern("a/*/rollout-*-{session}.jsonl", sessionID: "ID")
    #expect(shallow.matches(in: root, acceptDirectories: false) == [])
    let one = try SessionPattern("a/*/*/rollout-*-{session}.jsonl", sessionID: "ID")
    #expect(one.matches(in: root, acceptDirectories: false) == ["a/b/c/rollout-1-ID.jsonl"])
    #expect(throws: CredentialError.self) { try SessionPattern("../x/{session}", sessionID: "ID") }
    #expect(throws: CredentialError.self) { try SessionPattern("/abs/{session}", sessionID: "ID") }
  }
}
