import Foundation
import JSONKit
import ProviderKit
import Providers
import TestSupport
import Testing

@testable import Credentials

/// Moving kimi, vibe and openhands sessions with what each CLI needs besides the transcript, on
/// trees laid out like the real CLIs' (kimi-cli 1.51.0, mistral-vibe 3.0.3, openhands 1.16.0).
@Suite struct SessionRegistryPorterTests {
  let directory: TemporaryDirectory
  let porter = SessionPorter()
  let sessionID = "11111111-2222-4333-8444-555555555555"
  let workDirectoryDigest = "c5e5e0c051140b8c3a466b8f05bc2307"

  init() throws { directory = try TemporaryDirectory(prefix: "registry") }

  func definition(_ name: String) throws -> ProviderDefinition {
    try #require(try BuiltinProviders.definitions().first { $0.name == name })
  }

  func write(_ relative: String, in root: String, _ text: String) throws {
    let path = root + "/" + relative
    try FileManager.default.createDirectory(
      atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
  }

  func read(_ relative: String, in root: String) -> String? {
    FileManager.default.contents(atPath: root + "/" + relative).map { String(decoding: $0, as: UTF8.self) }
  }

  func kimiSession(in root: String) throws {
    let folder = "sessions/\(workDirectoryDigest)/\(sessionID)"
    try write(folder + "/context.jsonl", in: root, #"{"role":"user","content":"hi"}"# + "\n")
    try write(folder + "/wire.jsonl", in: root, "{}\n")
    try write(folder + "/state.json", in: root, "{}")
  }

  @Test func kimiSessionMovesAndItsWorkDirIsRegisteredInTheTarget() throws {
    let a = directory.path("a")
    let b = directory.path("b")
    try kimiSession(in: a)
    try write(
      "kimi.json", in: a,
      #"{"work_dirs": [{"path": "/w/repo", "kaos": "local", "last_session_id": "\#(sessionID)"}]}"#)
    // B already knows another work dir: it stays, and the moved one is added.
    try write(
      "kimi.json", in: b, #"{"work_dirs": [{"path": "/w/other", "kaos": "local", "last_session_id": null}]}"#)

    let written = try porter.port(sessionID: sessionID, provider: definition("kimi"), from: a, to: b)
    #expect(written.contains(b + "/kimi.json"))
    let folder = "sessions/\(workDirectoryDigest)/\(sessionID)"
    #expect(read(folder + "/context.jsonl", in: b) == read(folder + "/context.jsonl", in: a))
    #expect(read(folder + "/wire.jsonl", in: b) == "{}\n")
    let registry = try JSONParser.parse(try #require(read("kimi.json", in: b)))
    let paths = registry["work_dirs"]?.arrayValue?.compactMap { $0["path"]?.stringValue }
    #expect(paths == ["/w/other", "/w/repo"])

    // Moving again adds nothing twice.
    _ = try porter.port(sessionID: sessionID, provider: definition("kimi"), from: a, to: b)
    let again = try JSONParser.parse(try #require(read("kimi.json", in: b)))
    #expect(again["work_dirs"]?.arrayValue?.count == 2)
  }

  @Test func aKimiMoveWithoutARegistryInTheSourceFails() throws {
    let a = directory.path("a")
    try kimiSession(in: a)
    #expect(throws: CredentialError.self) {
      try porter.port(sessionID: sessionID, provider: definition("kimi"), from: a, to: directory.path("b"))
    }
  }

  @Test func vibeSessionMovesWithThePluginStoreMergedIn() throws {
    let a = directory.path("a")
    let b = directory.path("b")
    let session = "c19d789c-1adc-f33d-c860-fb2c37c3512f"
    try write("logs/session/unified/\(session)/meta.json", in: a, #"{"id":"\#(session)"}"#)
    try write("logs/session/unified/\(session)/journal/0001.jsonl", in: a, "{}\n")
    try write("logs/session/plugins/blobs/75/75aa", in: a, "blob-a")
    try write("logs/session/plugins/manifests/5d/5dbb", in: a, "manifest")
    // B holds its own blob: it stays.
    try write("logs/session/plugins/blobs/60/60cc", in: b, "blob-b")

    _ = try porter.port(sessionID: session, provider: definition("vibe"), from: a, to: b)
    #expect(read("logs/session/unified/\(session)/journal/0001.jsonl", in: b) == "{}\n")
    #expect(read("logs/session/plugins/blobs/75/75aa", in: b) == "blob-a")
    #expect(read("logs/session/plugins/manifests/5d/5dbb", in: b) == "manifest")
    #expect(read("logs/session/plugins/blobs/60/60cc", in: b) == "blob-b")
  }

  @Test func openHandsConversationFolderMoves() throws {
    let a = directory.path("a")
    let b = directory.path("b")
    let conversation = "aaaaaaaabbbb4ccc8ddd111122223333"
    try write("conversations/\(conversation)/base_state.json", in: a, "{}")
    try write(
      "conversations/\(conversation)/events/event-00000-x.json", in: a, #"{"kind":"SystemPromptEvent"}"#)
    _ = try porter.port(sessionID: conversation, provider: definition("openhands"), from: a, to: b)
    #expect(
      read("conversations/\(conversation)/events/event-00000-x.json", in: b)
        == #"{"kind":"SystemPromptEvent"}"#)
  }
}
