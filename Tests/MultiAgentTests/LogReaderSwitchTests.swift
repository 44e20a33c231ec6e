import Foundation
import JSONKit
import MultiAgent
import ProviderKit
import TestSupport
import Testing

/// A reader following an agent's log sees each provider switch as it is recorded, also when it
/// already knew of earlier ones: the part after every switch is parsed with its provider's parser.
@Suite struct LogReaderSwitchTests {
  @Test func aSecondSwitchRecordedWhileFollowingIsParsedWithItsProvider() throws {
    let directory = try TemporaryDirectory(prefix: "log-switches")
    let manager = try AgentManager(home: StateHome(path: directory.path("home")), supervision: .inProcess)
    let record = try manager.store.create(
      AgentRecord(id: "a1", name: "switcher", provider: "claude", status: .running))
    let log = directory.path("home") + "/agents/a1/output.log"
    try FileManager.default.createDirectory(
      atPath: directory.path("home") + "/agents/a1", withIntermediateDirectories: true)
    func line(_ text: String) -> String {
      #"{"type":"assistant","message":{"content":[{"type":"text","text":"\#(text)"}]},"session_id":"s"}"#
        + "\n"
    }
    func append(_ text: String) throws -> Int64 {
      let handle = try #require(FileHandle(forWritingAtPath: log))
      let end = try handle.seekToEnd()
      try handle.write(contentsOf: Data(text.utf8))
      try handle.close()
      return Int64(end) + Int64(text.utf8.count)
    }
    func switched(from: String, to: String, at offset: Int64) throws {
      try manager.store.appendEvent(
        agentID: "a1", type: .providerSwitched,
        data: .object(
          JSONObject(
            keys: ["from", "to", "log_offset"], values: [.string(from), .string(to), .number(Double(offset))])
        ))
    }
    FileManager.default.createFile(atPath: log, contents: nil)
    // claude, then a provider multiagent does not know (plain text), then claude again.
    try switched(from: "claude", to: "gone", at: try append(line("first")))
    let plainEnd = try append("plain words\n")
    var reader = manager.logReader(for: record)
    let texts = { (events: [AgentEvent]) in
      events.compactMap { event -> String? in
        if case .assistantText(let text) = event.kind { return text }
        return nil
      }
    }
    #expect(texts(reader.events()) == ["first", "plain words"])
    try switched(from: "gone", to: "claude", at: plainEnd)
    _ = try append(line("again"))
    #expect(texts(reader.events()) == ["again"])
  }
}
