import Foundation
import ProcessKit
import TestSupport
import Testing

/// Answers and messages for an agent whose host is cut off: kept on the controller, delivered once
/// when the host answers again (see ``HostsLabTests`` for the lab).
@Suite(.serialized) struct RemoteOutboxLabTests {
  /// How many of the host's events for `remoteID` carry `requestID`.
  static func applied(_ requestID: String, remoteID: String, lab: String) throws -> Int {
    try HostsLabTests.onHost(2, lab: lab, ["--json", "events", "--agent", remoteID]).split(separator: "\n")
      .filter {
        $0.contains("\"request_id\":\"\(requestID)\"")
      }.count
  }

  /// How many times the host's agent `remoteID` moved to `starting`.
  static func starts(_ remoteID: String, lab: String) throws -> Int {
    try HostsLabTests.onHost(2, lab: lab, ["--json", "events", "--agent", remoteID]).split(separator: "\n")
      .filter {
        $0.contains("\"to_status\":\"starting\"")
      }.count
  }

  @Test(.enabled(if: HostsLabTests.skipReason == nil, Comment(rawValue: HostsLabTests.skipReason ?? "")))
  func anAnswerAndAMessageForACutHostAreDeliveredOnceAfterTheHeal() throws {
    try HostsLabTests.withLab { lab in
      let sandbox = try CLISandbox()
      let repository = sandbox.root.path("repo")
      try GitRepository.create(at: repository)
      try HostsLabTests.addHost(2, to: sandbox, lab: lab)
      try RemoteAgentsLabTests.prepareHost(2, lab: lab)
      let spawned = try sandbox.run([
        "--json", "spawn", "--host", "h2", "--provider", "fake", "--cwd", repository, "--name", "cut1",
        "@ask first",
      ])
      try #require(spawned.exitCode == 0, "\(spawned.stderr)")
      let remoteID = try #require(try spawned.jsonObject()["id"] as? String)
      #expect(try sandbox.run(["wait", "cut1", "--timeout", "60"]).exitCode == 3)

      // Cut off: the answer is kept here (exit 0, said on stderr), the agent shows unreachable.
      #expect(try HostsLabTests.lab(["cut", "h2"]).exit == .exited(0))
      let answered = try sandbox.run(["--json", "answer", "cut1", "--answer", "q1=blue from afar"])
      #expect(answered.exitCode == 0, "\(answered.stderr)")
      #expect(answered.stderr.contains("kept here"), "\(answered.stderr)")
      let reply = try answered.jsonObject()
      #expect(reply["delivered"] as? Bool == false && reply["status"] as? String == "unreachable", "\(reply)")
      let requestID = try #require(reply["request_id"] as? String)
      let outbox = sandbox.home + "/outbox"
      #expect(
        try FileManager.default.contentsOfDirectory(atPath: outbox).filter { $0.hasSuffix(".json") }.count
          == 1)

      // Healed: the next look at the host delivers it, once; the agent finishes with it.
      #expect(try HostsLabTests.lab(["heal", "h2"]).exit == .exited(0))
      let waited = try sandbox.run(["wait", "cut1", "--timeout", "90"])
      #expect(waited.exitCode == 0 && waited.stdout == "completed\n", "\(waited.stdout) \(waited.stderr)")
      let file = try GitRepository.git(["show", "multiagent/cut1:answered.txt"], in: repository)
      #expect(file.components(separatedBy: "blue from afar").count == 2, "\(file)")
      #expect(
        try FileManager.default.contentsOfDirectory(atPath: outbox).filter { $0.hasSuffix(".json") }.isEmpty)
      #expect(try Self.applied(requestID, remoteID: remoteID, lab: lab) == 1)

      // The same request again (a controller that never heard back): applied already, nothing moves.
      let again = try sandbox.run(["answer", "cut1", "--request-id", requestID, "--answer", "q1=red"])
      #expect(again.exitCode == 0, "\(again.stderr)")
      #expect(try Self.applied(requestID, remoteID: remoteID, lab: lab) == 1)
      #expect(try sandbox.run(["--json", "show", "cut1"]).jsonObject()["status"] as? String == "completed")

      // A message for the finished agent while cut off: kept, then it resumes the session once.
      let startsBefore = try Self.starts(remoteID, lab: lab)
      #expect(try HostsLabTests.lab(["cut", "h2"]).exit == .exited(0))
      let sent = try sandbox.run([
        "send", "cut1", "--request-id", "note-1", "@note", "written", "while", "cut",
      ])
      #expect(sent.exitCode == 0 && sent.stderr.contains("kept here"), "\(sent.stderr)")
      #expect(try HostsLabTests.lab(["heal", "h2"]).exit == .exited(0))
      let listed = try sandbox.run(["--json", "list"])
      #expect(listed.exitCode == 0, "\(listed.stderr)")
      #expect(try sandbox.run(["wait", "cut1", "--timeout", "90"]).exitCode == 0)
      let note = try GitRepository.git(["show", "multiagent/cut1:note.txt"], in: repository)
      #expect(note.contains("@note written while cut"), "\(note)")
      #expect(try Self.applied("note-1", remoteID: remoteID, lab: lab) >= 1)
      #expect(try Self.starts(remoteID, lab: lab) == startsBefore + 1, "one resume for the message")
    }
  }
}
