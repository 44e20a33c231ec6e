import Foundation
import Testing
import TestSupport

@testable import MultiAgent

/// Scoped authority: a command carrying an agent's token acts on that agent's children only
/// (exit 77 otherwise); an unknown agent is exit 1; a wrong or missing token is never the user's
/// authority; the token is stored only as its hash.
@Suite struct SubAgentAuthorityTests {
  @Test func aTokenActsOnItsOwnChildrenOnly() throws {
    let family = try SubAgentSandbox()
    let world = family.world
    let lead = try family.spawnParent("lead", children: ["kid-a", "kid-b"])
    let leadID = try #require(try world.waitUntilRunning(lead)["id"] as? String)
    let kids = try family.waitForChildren(["kid-a", "kid-b"])
    let kidA = try #require(kids["kid-a"])

    // A child may not touch its sibling or its parent, nor itself beyond `show`.
    for arguments in [
      ["stop", "kid-b"], ["answer", "kid-b", "--answer", "q1=red"], ["wait", "kid-b", "--timeout", "1"],
      ["show", "kid-b"], ["logs", "kid-b"], ["result", "kid-b"], ["questions", "kid-b"], ["delete", "kid-b"],
      ["dismiss", "kid-b"], ["events", "--agent", "kid-b"], ["tree", "kid-b"], ["show", lead],
      ["stop", lead],
      ["stop", "kid-a"], ["logs", "kid-a"], ["cleanup"], ["reconcile"],
    ] {
      let result = try family.run(asAgent: kidA, arguments)
      #expect(
        result.exitCode == 77,
        "kid-a: \(arguments.joined(separator: " ")) → \(result.exitCode) \(result.stderr)")
    }
    let forbidden = try family.run(asAgent: kidA, ["--json", "stop", "kid-b"])
    #expect((try forbidden.jsonObject()["error"] as? [String: Any])?["code"] as? String == "forbidden")
    let itself = try family.run(asAgent: kidA, ["--json", "show", "kid-a"])
    #expect(itself.exitCode == 0, "\(itself.stderr)")
    #expect(try itself.jsonObject()["id"] as? String == kidA)
    #expect(try SubAgentSandbox.names(family.run(asAgent: kidA, ["--json", "list", "--all"])).isEmpty)
    #expect(try family.run(asAgent: kidA, ["tree"]).stdout == "no agents\n")
    #expect(try family.run(asAgent: kidA, ["--json", "events"]).stdout.isEmpty)
    let unknown = try family.run(asAgent: kidA, ["stop", "ghost-agent"])
    #expect(unknown.exitCode == 1, "\(unknown.stderr)")
    #expect(try world.record("kid-b")["status"] as? String == "running")

    // The parent sees and acts on its children only.
    #expect(
      try SubAgentSandbox.names(family.run(asAgent: leadID, ["--json", "list", "--all"])) == [
        "kid-a", "kid-b",
      ])
    #expect(try family.run(asAgent: leadID, ["show", "kid-a"]).exitCode == 0)
    #expect(try family.run(asAgent: leadID, ["wait", "kid-a", "--timeout", "0.2"]).exitCode == 124)
    let events = try family.run(asAgent: leadID, ["--json", "events"]).jsonLines()
    #expect(!events.isEmpty && events.allSatisfy { kids.values.contains($0["agent_id"] as? String ?? "") })
    // It spawns (implicitly as their parent) and answers its own children.
    let asker = try family.run(
      asAgent: leadID,
      ["spawn", "--provider", "fake", "--no-worktree", "--cwd", world.repository, "--name", "asker", "@ask"])
    #expect(asker.exitCode == 0, "\(asker.stderr)")
    #expect(try world.record("asker")["parent_id"] as? String == leadID)
    #expect(try family.run(asAgent: leadID, ["wait", "asker", "--timeout", "30"]).exitCode == 3)
    #expect(try family.run(asAgent: kidA, ["answer", "asker", "--answer", "q1=red"]).exitCode == 77)
    let answered = try family.run(
      asAgent: leadID, ["answer", "asker", "--answer", "q1=blue", "--wait", "--timeout", "30"])
    #expect(answered.exitCode == 0, "\(answered.stderr)")
    // It may not spawn under another parent.
    let foster = try family.run(
      asAgent: leadID,
      ["spawn", "--provider", "fake", "--no-worktree", "--cwd", world.repository, "--parent", "kid-a", "x"])
    #expect(foster.exitCode == 77, "\(foster.stderr)")
    let stopB = try family.run(asAgent: leadID, ["stop", "kid-b"])
    #expect(stopB.exitCode == 0, "\(stopB.stderr)")
    #expect(try world.record("kid-b")["status"] as? String == "stopped")

    // The user may do anything.
    #expect(try world.run(["stop", "kid-a"]).exitCode == 0)
    #expect(try SubAgentSandbox.names(world.run(["--json", "list", "--all"])).count == 4)
    try family.openParentGate()
    #expect(try world.run(["wait", lead, "--timeout", "30"]).exitCode == 0)
    // A finished agent's token is no longer valid.
    #expect(try family.run(asAgent: leadID, ["list"]).exitCode == 77)
  }

  @Test func aWrongOrMissingTokenIsNeverTheUsersAuthority() throws {
    let family = try SubAgentSandbox()
    let world = family.world
    let lead = try family.spawnParent("lead", children: ["kid-a"])
    let leadID = try #require(try world.waitUntilRunning(lead)["id"] as? String)
    let kidA = try #require(try family.waitForChildren(["kid-a"])["kid-a"])
    let kidToken = try family.token(of: kidA)
    for (id, token) in [
      (leadID, kidToken), (leadID, String(repeating: "0", count: 64)), (leadID, nil), (nil, kidToken),
      ("0123456789abcdef", kidToken), (kidA, kidToken.uppercased() + "x"),
    ] as [(String?, String?)] {
      for arguments in [
        ["list"], ["show", "kid-a"], ["stop", "kid-a"], ["spawn", "--provider", "fake", "x"],
      ] {
        let result = try family.run(as: id, token: token, arguments)
        #expect(
          result.exitCode == 77,
          "\(String(describing: id)) \(arguments) → \(result.exitCode): \(result.stderr)")
      }
    }
    #expect(try world.record("kid-a")["status"] as? String == "running")
    // Neither variable set (or both empty) is the user.
    #expect(try family.run(as: "", token: "", ["show", "kid-a"]).exitCode == 0)
    #expect(try world.run(["stop", lead]).exitCode == 0)
  }

  @Test func theTokenIsStoredOnlyAsItsHash() throws {
    let family = try SubAgentSandbox()
    let world = family.world
    let lead = try family.spawnParent("lead", children: ["kid-a"])
    let leadID = try #require(try world.waitUntilRunning(lead)["id"] as? String)
    let kidA = try #require(try family.waitForChildren(["kid-a"])["kid-a"])
    let tokens = [try family.token(of: leadID), try family.token(of: kidA)]

    // The token file is private; the hash is in the database, the token nowhere in it.
    for id in [leadID, kidA] {
      let mode =
        try FileManager.default.attributesOfItem(atPath: world.stateDirectory(id) + "/token")[
          .posixPermissions] as? Int
      #expect(mode == 0o600)
    }
    let hashes = try SecretsTests.sqlite(
      world.home + "/state.db", "SELECT token_hash FROM agents ORDER BY created_at;")
    #expect(hashes == tokens.map { SHA256.hexDigest($0) + "\n" }.joined())
    let dump = try SecretsTests.sqlite(world.home + "/state.db", ".dump")
    for file in ["state.db", "state.db-wal"] {
      let bytes = String(
        decoding: FileManager.default.contents(atPath: world.home + "/" + file) ?? Data(), as: UTF8.self)
      for token in tokens { #expect(!bytes.contains(token), "\(file) holds a token") }
    }
    for token in tokens { #expect(!dump.contains(token)) }

    // Nor in any output, log or argv.
    var outputs: [String] = []
    for arguments in [
      ["--json", "list", "--all"], ["--json", "tree"], ["--json", "show", lead], ["--json", "show", "kid-a"],
      ["--json", "events"], ["logs", lead, "--raw"], ["logs", "kid-a", "--raw"], ["--json", "logs", lead],
      ["show", lead],
    ] {
      let result = try world.run(arguments)
      outputs += [result.stdout, result.stderr]
    }
    for id in [leadID, kidA] {
      outputs.append(
        (try? String(contentsOfFile: world.stateDirectory(id) + "/supervisor.log", encoding: .utf8)) ?? "")
      for pid in processes(ofAgent: id) {
        outputs.append(
          String(
            decoding: FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data(), as: UTF8.self))
      }
    }
    for token in tokens { #expect(!outputs.contains { $0.contains(token) }) }
    #expect(try world.run(["stop", lead]).exitCode == 0)
  }
}
