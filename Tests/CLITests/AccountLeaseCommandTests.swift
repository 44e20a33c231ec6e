import Credentials
import Foundation
import TestSupport
import Testing

/// What the commands say about an account a host holds, without reaching any host: a second host
/// is refused it before a connection is made, `accounts` shows the lease, and neither the account
/// nor the host holding it is removed by accident.
@Suite struct AccountLeaseCommandTests {
  /// A sandbox with two hosts that never answer and a claude login `login`, leased to h1 (and
  /// placed there, as far as this machine knows).
  static func world() throws -> (CLISandbox, String) {
    let sandbox = try CLISandbox()
    let repository = sandbox.root.path("repo")
    try GitRepository.create(at: repository)
    let key = try HostsCommandTests.identity(in: sandbox)
    for name in ["h1", "h2"] {
      let added = try sandbox.run([
        "hosts", "add", name, "--ssh", "me@127.0.0.1", "--port", "1", "--identity", key,
      ])
      try #require(added.exitCode == 0, "\(added.stderr)")
    }
    let file = sandbox.root.path("login.json")
    try #"{"claudeAiOauth":{"accessToken":"tok","refreshToken":"ref","expiresAt":4102444800000}}"#.write(
      toFile: file, atomically: true, encoding: .utf8)
    let added = try sandbox.run([
      "--json", "accounts", "add", "claude", "--label", "login", "--credentials-file", file,
    ])
    try #require(added.exitCode == 0, "\(added.stderr)")
    let id = try #require(try added.jsonObject()["id"] as? String)
    let store = try AccountStore(home: sandbox.home)
    try store.lease(accountID: id, host: "h1")
    try store.setHostAccountID("0000abcd", accountID: id, host: "h1")
    return (sandbox, repository)
  }

  @Test func aSecondHostIsRefusedTheHeldLoginBeforeAnyConnection() throws {
    let (sandbox, repository) = try Self.world()
    let started = Date()
    let named = try sandbox.run([
      "--json", "spawn", "--host", "h2", "--provider", "claude", "--account", "login", "--cwd", repository,
      "hi",
    ])
    #expect(named.exitCode == 1)
    let error = try named.jsonObject()["error"] as? [String: Any]
    #expect(error?["code"] as? String == "account_leased", "\(named.stdout)")
    #expect((error?["message"] as? String)?.contains("is leased to host h1") == true, "\(named.stdout)")
    let any = try sandbox.run(["spawn", "--host", "h2", "--provider", "claude", "--cwd", repository, "hi"])
    #expect(any.exitCode == 1)
    #expect(
      any.stderr.contains("no claude account is free for host h2: \"login\" is leased to host h1"),
      "\(any.stderr)")
    #expect(Date().timeIntervalSince(started) < 10, "a refusal waits for no host")
    #expect(try sandbox.run(["--json", "list"]).jsonArray().isEmpty)
  }

  @Test func accountsShowTheLeaseAndRefuseToRemoveIt() throws {
    let (sandbox, _) = try Self.world()
    let listed = try sandbox.run(["--json", "accounts", "list"]).jsonArray()
    let leases = listed.first?["leases"] as? [[String: Any]]
    #expect(leases?.count == 1 && leases?.first?["host"] as? String == "h1", "\(listed)")
    #expect(leases?.first?["kind"] as? String == "exclusive" && jsonTime(leases?.first?["leased_at"]) != nil)
    #expect(try sandbox.run(["accounts", "list"]).stdout.contains("h1 (exclusive)"))
    #expect(
      try sandbox.run(["accounts", "show", "login"]).stdout.contains("leased to:     host h1 (exclusive"))

    let removal = try sandbox.run(["accounts", "remove", "login"])
    #expect(removal.exitCode == 1 && removal.stderr.contains("is leased to host h1"), "\(removal.stderr)")
    // A host that does not answer cannot give it back: forgetting it is refused, unless forced.
    let forget = try sandbox.run(["hosts", "remove", "h1"])
    #expect(forget.exitCode == 1 && forget.stderr.contains("cannot come back"), "\(forget.stderr)")
    let forced = try sandbox.run(["hosts", "remove", "h1", "--force"])
    #expect(forced.exitCode == 0, "\(forced.stderr)")
    let after = try sandbox.run(["--json", "accounts", "show", "login"]).jsonObject()
    #expect((after["leases"] as? [Any])?.isEmpty == true)
    let types = (after["events"] as? [[String: Any]] ?? []).compactMap { $0["type"] as? String }
    #expect(types == ["added", "leased", "returned"], "\(types)")
  }
}
