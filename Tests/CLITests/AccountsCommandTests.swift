import Credentials
import Foundation
import MultiAgent
import Testing
import TestSupport

/// `multiagent accounts …`: adding from every source, listing and showing without secrets,
/// removal rules, enable/disable/reset, and clear errors for bad input.
@Suite struct AccountsCommandTests {
  let sandbox: CLISandbox
  init() throws {
    sandbox = try CLISandbox()
  }

  static let apiKey = "sk-ant-api03-SECRET-NEEDLE-KEY"
  static let token = "sk-ant-oat01-SECRET-NEEDLE-TOKEN"
  static let codexKey = "sk-proj-SECRET-NEEDLE-CODEX"
  static let fileToken = "SECRET-NEEDLE-FILE-ACCESS"
  static let dirToken = "SECRET-NEEDLE-DIR-REFRESH"

  /// Every output a user can see, for every account, in text and JSON.
  func everyOutput(ids: [String]) throws -> String {
    var outputs: [CLIRunner.Result] = [
      try sandbox.run(["accounts"]), try sandbox.run(["accounts", "list"]),
      try sandbox.run(["accounts", "list", "--json"]),
      try sandbox.run(["accounts", "list", "claude", "--json"]),
    ]
    for id in ids {
      outputs += [
        try sandbox.run(["accounts", "show", id]), try sandbox.run(["accounts", "show", id, "--json"]),
      ]
    }
    for result in outputs { #expect(result.exitCode == 0, "\(result.stderr)") }
    return outputs.map { $0.stdout + $0.stderr }.joined(separator: "\n")
  }

  @Test func addsFromEverySourceAndNeverPrintsASecret() throws {
    let keyID = try sandbox.addAccount(
      ["claude", "--label", "key", "--api-key-env", "MY_KEY"], extraEnvironment: ["MY_KEY": Self.apiKey])
    let tokenID = try sandbox.addAccount(
      ["claude", "--label", "sub", "--token-stdin"], input: Self.token + "\n")
    let codexID = try sandbox.addAccount(["codex", "--label", "ci", "--api-key-stdin"], input: Self.codexKey)

    let credentials = sandbox.root.path("claude-creds.json")
    try #"{"claudeAiOauth":{"accessToken":"\#(Self.fileToken)","refreshToken":"r","expiresAt":1}}"#
      .write(toFile: credentials, atomically: true, encoding: .utf8)
    let fileID = try sandbox.addAccount(["claude", "--label", "file", "--credentials-file", credentials])

    let login = sandbox.root.path("codex-login")
    try FileManager.default.createDirectory(atPath: login, withIntermediateDirectories: true)
    try #"{"tokens":{"refresh_token":"\#(Self.dirToken)"}}"#
      .write(toFile: login + "/auth.json", atomically: true, encoding: .utf8)
    try "model = \"gpt-5.5\"\n".write(toFile: login + "/config.toml", atomically: true, encoding: .utf8)
    let dirID = try sandbox.addAccount(["codex", "--label", "login", "--from-config-dir", login])

    // Config dirs are private, credential files copied byte for byte and 0600.
    let accounts = sandbox.home + "/accounts"
    #expect(try sandbox.mode(accounts + "/claude") == 0o700)
    for (provider, id) in [
      ("claude", keyID), ("claude", tokenID), ("codex", codexID), ("claude", fileID), ("codex", dirID),
    ] {
      #expect(try sandbox.mode("\(accounts)/\(provider)/\(id)") == 0o700)
    }
    let installed = "\(accounts)/claude/\(fileID)/.credentials.json"
    #expect(try sandbox.mode(installed) == 0o600)
    #expect(try String(contentsOfFile: installed, encoding: .utf8).contains(Self.fileToken))
    #expect(try sandbox.mode("\(accounts)/codex/\(dirID)/auth.json") == 0o600)
    #expect(try sandbox.mode("\(accounts)/codex/\(dirID)/config.toml") == 0o600)
    #expect(try sandbox.mode(sandbox.home + "/state.db") == 0o600)

    // The table and the JSON say what each account is.
    let list = try sandbox.run(["accounts", "list"]).stdout
    #expect(list.hasPrefix("ID"))
    for header in ["PROVIDER", "LABEL", "KIND", "STATUS", "LAST USED", "ERRORS"] {
      #expect(list.contains(header))
    }
    let json = try sandbox.run(["accounts", "list", "--json"]).jsonArray()
    #expect(json.count == 5)
    let byID = Dictionary(uniqueKeysWithValues: json.map { ($0["id"] as? String ?? "", $0) })
    #expect(byID[keyID]?["kind"] as? String == "api_key")
    #expect(byID[tokenID]?["kind"] as? String == "token")
    #expect(byID[fileID]?["kind"] as? String == "credentials_file")
    #expect(byID[dirID]?["kind"] as? String == "credentials_file")
    #expect(byID[codexID]?["status"] as? String == "available")
    #expect(try sandbox.run(["accounts", "list", "codex", "--json"]).jsonArray().count == 2)

    let shown = try sandbox.run(["accounts", "show", "sub", "--provider", "claude", "--json"]).jsonObject()
    #expect(shown["id"] as? String == tokenID)
    #expect(shown["active_agents"] as? Int == 0)
    #expect((shown["events"] as? [[String: Any]])?.first?["type"] as? String == "added")

    // No secret anywhere a user or a script can see.
    let everything = try everyOutput(ids: [keyID, tokenID, codexID, fileID, dirID])
    for secret in [Self.apiKey, Self.token, Self.codexKey, Self.fileToken, Self.dirToken] {
      #expect(!everything.contains(secret), "a secret was printed: \(secret)")
    }
    #expect(!everything.contains("NEEDLE"))
  }

  @Test func badInputIsRefusedClearly() throws {
    func expectFailure(
      _ arguments: [String], input: String = "", exitCode: Int32, code: String,
      environment: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
      let result = try sandbox.run(arguments + ["--json"], input: input, extraEnvironment: environment)
      #expect(result.exitCode == exitCode, "\(arguments): \(result.stderr)", sourceLocation: sourceLocation)
      let error = try result.jsonObject()["error"] as? [String: Any]
      #expect(
        error?["code"] as? String == code, "\(arguments): \(result.stdout)", sourceLocation: sourceLocation)
      #expect(result.stderr.hasPrefix("error: "), sourceLocation: sourceLocation)
    }
    let add = ["accounts", "add"]
    try expectFailure(
      add + ["claud", "--label", "a", "--api-key-stdin"], input: "k", exitCode: 2, code: "unknown_provider")
    try expectFailure(add + ["claude", "--api-key-stdin"], input: "k", exitCode: 2, code: "missing_label")
    try expectFailure(
      add + ["claude", "--label", "bad label", "--api-key-stdin"], input: "k", exitCode: 2,
      code: "invalid_label")
    try expectFailure(add + ["claude", "--label", "a"], exitCode: 2, code: "missing_source")
    try expectFailure(
      add + ["claude", "--label", "a", "--api-key-stdin", "--token-stdin"], input: "k", exitCode: 2,
      code: "conflicting_sources")
    try expectFailure(
      add + ["claude", "--label", "a", "--api-key-stdin"], input: " \n", exitCode: 2, code: "empty_secret")
    try expectFailure(
      add + ["claude", "--label", "a", "--token-stdin"], input: "a\nb\n", exitCode: 2, code: "invalid_secret")
    try expectFailure(
      add + ["claude", "--label", "a", "--api-key-env", "NOT_SET"], exitCode: 2, code: "missing_secret")
    try expectFailure(
      add + ["codex", "--label", "a", "--token-stdin"], input: "t", exitCode: 2, code: "unsupported_source")
    try expectFailure(
      add + ["amp", "--label", "a", "--credentials-file", "/etc/hostname"], exitCode: 2,
      code: "unsupported_source")
    try expectFailure(
      add + ["claude", "--label", "a", "--credentials-file", "/nonexistent/creds.json"], exitCode: 2,
      code: "io")
    let notJSON = sandbox.root.path("not-json")
    try "SECRET-NEEDLE-GARBAGE".write(toFile: notJSON, atomically: true, encoding: .utf8)
    try expectFailure(
      add + ["claude", "--label", "a", "--credentials-file", notJSON], exitCode: 2,
      code: "invalid_credentials")
    let empty = sandbox.root.path("empty-dir")
    try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
    try expectFailure(
      add + ["claude", "--label", "a", "--from-config-dir", empty], exitCode: 2, code: "invalid_credentials")
    // Nothing half-made stayed behind.
    #expect(try sandbox.run(["accounts", "list", "--json"]).jsonArray().isEmpty)
    let leftovers =
      (try? FileManager.default.contentsOfDirectory(atPath: sandbox.home + "/accounts/claude")) ?? []
    #expect(leftovers.isEmpty)

    try sandbox.addAccount(["claude", "--label", "work", "--api-key-stdin"], input: "k1")
    try sandbox.addAccount(["codex", "--label", "work", "--api-key-stdin"], input: "k2")
    try expectFailure(
      add + ["claude", "--label", "WORK", "--api-key-stdin"], input: "k3", exitCode: 1, code: "label_taken")
    try expectFailure(["accounts", "show", "nope"], exitCode: 1, code: "not_found")
    try expectFailure(["accounts", "show", "work"], exitCode: 2, code: "invalid_value")
    try expectFailure(["accounts", "list", "claud"], exitCode: 2, code: "unknown_provider")
    #expect(try sandbox.run(["accounts", "show", "work", "--provider", "codex"]).exitCode == 0)
    #expect(try sandbox.run(["accounts", "frobnicate"]).exitCode == 2)
  }

  @Test func removalIsRefusedWhileAnAgentUsesTheAccount() throws {
    let id = try sandbox.addAccount(["claude", "--label", "work", "--api-key-stdin"], input: "k")
    let directory = "\(sandbox.home)/accounts/claude/\(id)"
    #expect(FileManager.default.fileExists(atPath: directory))
    let agents = try AgentStore(home: StateHome(path: sandbox.home))
    try agents.create(AgentRecord(id: "ag1", name: "busy", provider: "claude", account: id, status: .running))
    try agents.create(
      AgentRecord(id: "ag2", name: "done", provider: "claude", account: id, status: .completed))

    let refused = try sandbox.run(["accounts", "remove", "work", "--json"])
    #expect(refused.exitCode == 1)
    #expect((try refused.jsonObject()["error"] as? [String: Any])?["code"] as? String == "account_in_use")
    #expect(refused.stderr.contains("--force"))
    #expect(FileManager.default.fileExists(atPath: directory))

    // Once the agent is done, removal needs no force.
    try agents.update(id: "ag1") { $0.status = .stopped }
    let other = try sandbox.addAccount(["claude", "--label", "other", "--api-key-stdin"], input: "k")
    try agents.create(
      AgentRecord(id: "ag3", name: "waiting", provider: "claude", account: other, status: .waitingForAccount))
    #expect(try sandbox.run(["accounts", "remove", id]).exitCode == 0)
    #expect(!FileManager.default.fileExists(atPath: directory))

    #expect(try sandbox.run(["accounts", "remove", "other"]).exitCode == 1)
    let forced = try sandbox.run(["accounts", "remove", "other", "--force"])
    #expect(forced.exitCode == 0)
    #expect(forced.stdout.contains("removed claude account \"other\""))
    #expect(try sandbox.run(["accounts", "list", "--json"]).jsonArray().isEmpty)
    #expect(try sandbox.run(["accounts", "remove", "other"]).exitCode == 1)
  }

  @Test func enableDisableAndResetChangeTheStatus() throws {
    let id = try sandbox.addAccount(["codex", "--label", "ci", "--api-key-stdin"], input: "k")
    func status() throws -> String? {
      try sandbox.run(["accounts", "show", id, "--json"]).jsonObject()["status"] as? String
    }
    #expect(
      try sandbox.run(["accounts", "disable", "ci"]).stdout == "disabled codex account \"ci\" (id \(id))\n")
    #expect(try status() == "disabled")
    #expect(try sandbox.run(["accounts", "list"]).stdout.contains("disabled"))
    #expect(try sandbox.run(["accounts", "enable", id, "--provider", "codex"]).exitCode == 0)
    #expect(try status() == "available")

    // Exhausted (as a run would mark it), then reset by the user.
    let store = try AccountStore(home: sandbox.home)
    _ = try store.markExhausted(
      id: id, until: Date().addingTimeInterval(2 * 3600 + 30), reason: "usage limit")
    _ = try store.recordError(id: id, "refresh failed")
    let list = try sandbox.run(["accounts", "list"]).stdout
    #expect(list.contains("exhausted until ") && list.contains("(in 2h0"))
    #expect(try status() == "exhausted")
    let shown = try sandbox.run(["accounts", "show", id]).stdout
    #expect(shown.contains("usage limit") && shown.contains("refresh failed"))

    let reset = try sandbox.run(["accounts", "reset", "ci", "--json"])
    #expect(reset.exitCode == 0)
    let object = try reset.jsonObject()
    #expect(object["status"] as? String == "available")
    #expect(object["recent_error_count"] as? Int == 0)
    #expect(object["exhausted_until"] is NSNull)
  }
}
