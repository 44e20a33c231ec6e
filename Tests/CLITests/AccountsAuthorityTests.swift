import Foundation
import Testing
import TestSupport

/// Accounts are the user's alone: every `accounts` command refuses any agent identity — an agent's
/// own valid token and a bogus one alike — with exit 77, before it reads or changes anything. An
/// agent could otherwise plant its own key for the agents spawned after it.
@Suite struct AccountsAuthorityTests {
  static let commands: [[String]] = [
    ["accounts", "list"], ["accounts", "show", "work"], ["accounts", "disable", "work"],
    ["accounts", "enable", "work"], ["accounts", "reset", "work"], ["accounts", "remove", "work"],
    ["accounts", "remove", "work", "--force"],
    ["accounts", "add", "claude", "--label", "planted", "--api-key-stdin"],
  ]

  @Test func everyAccountsCommandRefusesAnyAgentIdentity() throws {
    let family = try SubAgentSandbox()
    let world = family.world
    let accountID = try world.sandbox.addAccount(
      ["claude", "--label", "work", "--api-key-stdin"], input: "key")
    let lead = try family.spawnParent("lead", children: ["kid"])
    let leadID = try #require(try world.waitUntilRunning(lead)["id"] as? String)
    let before = try world.sandbox.run(["accounts", "list", "--json"]).stdout

    let identities: [(String, String?, String?)] = [
      ("its own token", leadID, try family.token(of: leadID)), ("a bogus token", "bogus", "bogus"),
      ("a token alone", nil, "bogus"), ("an id alone", leadID, nil),
    ]
    for (label, id, token) in identities {
      var environment = ["MULTIAGENT_HOME": family.home]
      if let id { environment["MULTIAGENT_AGENT_ID"] = id }
      if let token { environment["MULTIAGENT_TOKEN"] = token }
      for command in Self.commands {
        let result = try CLIRunner.run(
          command + ["--json"], environment: world.sandbox.environment.merging(environment) { $1 },
          standardInput: "planted-key")
        #expect(result.exitCode == 77, "\(label): \(command.joined(separator: " ")) → \(result.exitCode)")
        #expect((try? result.jsonObject()["error"] as? [String: Any])?["code"] as? String == "forbidden")
      }
    }
    // Nothing changed: the one account, as it was, and no planted one.
    #expect(try world.sandbox.run(["accounts", "list", "--json"]).stdout == before)
    #expect(FileManager.default.fileExists(atPath: "\(family.home)/accounts/claude/\(accountID)"))
    try family.openParentGate()
    try world.openGate()
  }

  /// Commands without an agent manager still check an identity: a wrong token never acts as the user.
  @Test func providersCommandsRefuseAWrongToken() throws {
    let world = try LifecycleSandbox()
    _ = try world.spawn("@gate wait", name: "someone", extra: ["--no-worktree"])
    let environment = ["MULTIAGENT_AGENT_ID": "bogus", "MULTIAGENT_TOKEN": "bogus"]
    for command in [["providers"], ["providers", "show", "claude"], ["providers", "check", "claude"]] {
      let result = try world.sandbox.run(command, extraEnvironment: environment)
      #expect(
        result.exitCode == 77, "\(command.joined(separator: " ")) → \(result.exitCode) \(result.stderr)")
    }
    #expect(try world.sandbox.run(["providers"]).exitCode == 0)
    try world.openGate()
  }
}
