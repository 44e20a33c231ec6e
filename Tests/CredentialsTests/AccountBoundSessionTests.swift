import Foundation
import JSONKit
import ProviderKit
import Providers
import TestSupport
import Testing

@testable import Credentials

/// A Codex session moving to another account leaves behind what only the first account's
/// organization may send (reasoning items' `encrypted_content`) and keeps the conversation.
@Suite struct AccountBoundSessionTests {
  let directory: TemporaryDirectory
  let codex: ProviderDefinition
  let threadID = "0199a213-81c0-7800-8aa1-bbab2a035a53"

  init() throws {
    directory = try TemporaryDirectory(prefix: "bound")
    codex = try #require(try BuiltinProviders.definitions().first { $0.name == "codex" })
  }

  static let rollout = """
    {"type":"session_meta","payload":{"id":"0199a213-81c0-7800-8aa1-bbab2a035a53"}}
    {"type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":"Do turn one"}]}}
    {"type":"response_item","payload":{"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"think"}],"content":null,"encrypted_content":"enc1:aaaa:1"}}
    {"type":"response_item","payload":{"type":"function_call_output","call_id":"c1","output":"turn-one-output"}}
    {"type":"response_item","payload":{"type":"reasoning","id":"rs_2","summary":[],"encrypted_content":null}}
    not json at all
    {"type":"response_item","payload":{"type":"message","role":"assistant","content":[{"type":"output_text","text":"Turn one done."}]}}

    """

  @Test func reasoningBoundToTheFirstAccountStaysBehind() throws {
    let source = directory.path("codex-a")
    let destination = directory.path("codex-b")
    let relative = "sessions/2026/12/02/rollout-2026-12-02T10-00-00-\(threadID).jsonl"
    try FileManager.default.createDirectory(
      atPath: source + "/sessions/2026/12/02", withIntermediateDirectories: true)
    try Data(Self.rollout.utf8).write(to: URL(fileURLWithPath: source + "/" + relative))
    #expect(codex.sessionFiles?.accountBound == ["payload.encrypted_content"])

    let written = try SessionPorter().port(
      sessionID: threadID, provider: codex, from: source, to: destination)
    #expect(written == [destination + "/" + relative])
    let moved = String(
      decoding: try Data(contentsOf: URL(fileURLWithPath: destination + "/" + relative)), as: UTF8.self)
    #expect(!moved.contains("enc1:"))
    #expect(!moved.contains("rs_1"))
    let kept =
      Self.rollout.split(separator: "\n").filter { !$0.contains("enc1:") }.joined(separator: "\n") + "\n"
    #expect(
      moved == kept, "everything else moves as it was, a null encrypted_content and a non-JSON line too")
    // The account that wrote it keeps its own copy whole.
    #expect(
      String(decoding: try Data(contentsOf: URL(fileURLWithPath: source + "/" + relative)), as: UTF8.self)
        == Self.rollout)
  }
}
