import Foundation
import ProcessKit
import TestSupport
import Testing

/// Accounts across hosts, against the CI lab (see ``HostsLabTests``): the controller lends its
/// accounts to hosts; a usage limit on a remote agent moves it to the next account on that host;
/// a refreshable login is refused to a second host while the first holds it, and comes back
/// (refreshed there) when the first stops using it.
@Suite(.serialized) struct AccountsAcrossHostsLabTests {
  /// A claude-speaking fake for the hosts that reads its login the way claude does
  /// (`.credentials.json` in `$CLAUDE_SECURESTORAGE_CONFIG_DIR`, else `$CLAUDE_CONFIG_DIR`). On the
  /// login `tok-limited` it prints claude's usage-limit lines and exits 1; on `tok-b` it rewrites
  /// the token, as a refresh would; `@gate` waits for the file `gate` next to it; then it commits
  /// `remote.txt` and signals done.
  static let fakeScript =
    RemoteAgentsLabTests.arguments + #"""
      creds="${CLAUDE_SECURESTORAGE_CONFIG_DIR:-$CLAUDE_CONFIG_DIR}/.credentials.json"
      echo "{\"type\":\"system\",\"subtype\":\"init\",\"session_id\":\"$session\",\"model\":\"fake\"}"
      if grep -q '"tok-limited"' "$creds" 2>/dev/null; then
        reset=$(( $(date +%s) + 7200 ))
        echo "{\"type\":\"rate_limit_event\",\"rate_limit_info\":{\"status\":\"rejected\",\"resetsAt\":$reset,\"rateLimitType\":\"five_hour\"},\"session_id\":\"$session\"}"
        echo "{\"type\":\"assistant\",\"message\":{\"model\":\"<synthetic>\",\"content\":[{\"type\":\"text\",\"text\":\"You've hit your 5-hour limit · resets 11:10pm (UTC)\"}]},\"session_id\":\"$session\",\"error\":\"rate_limit\"}"
        echo "{\"type\":\"result\",\"subtype\":\"success\",\"is_error\":true,\"result\":\"You've hit your 5-hour limit · resets 11:10pm (UTC)\",\"session_id\":\"$session\"}"
        exit 1
      fi
      if grep -q '"tok-b"' "$creds" 2>/dev/null; then sed -i 's/"tok-b"/"tok-b-refreshed"/' "$creds"; fi
      case "$prompt" in
        *@gate*) i=0; while [ ! -e "$here/gate" ] && [ $i -lt 900 ]; do sleep 0.1; i=$((i + 1)); done ;;
      esac
      echo "made on $(hostname -I 2>/dev/null | cut -d' ' -f1)" > remote.txt
      git add remote.txt && git -c user.name=fake -c user.email=fake@example.invalid commit -qm "remote work"
      printf '{"status":"done","result":"done remotely"}' > "$MULTIAGENT_SIGNAL_FILE"
      echo "{\"type\":\"result\",\"subtype\":\"success\",\"is_error\":false,\"result\":\"finished\",\"session_id\":\"$session\"}"
      """#

  /// A claude login file with `token` as its access token.
  static func login(_ token: String) -> String {
    #"{"claudeAiOauth":{"accessToken":"\#(token)","refreshToken":"refresh-\#(token)","#
      + #""expiresAt":4102444800000,"scopes":["user:inference"],"subscriptionType":"max"}}"#
  }

  /// `accounts show LABEL --json`.
  static func account(_ label: String, _ sandbox: CLISandbox) throws -> [String: Any] {
    let shown = try sandbox.run(["--json", "accounts", "show", label])
    try #require(shown.exitCode == 0, "\(shown.stderr)")
    return try shown.jsonObject()
  }

  /// The hosts `label` is leased to.
  static func holders(_ label: String, _ sandbox: CLISandbox) throws -> [String] {
    (try account(label, sandbox)["leases"] as? [[String: Any]] ?? []).compactMap { $0["host"] as? String }
  }

  /// Runs `look` every half second until `done` holds, for up to `seconds`.
  static func poll(_ seconds: Double, look: () throws -> Void, until done: () throws -> Bool) throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      try look()
      if try done() { return true }
      Thread.sleep(forTimeInterval: 0.5)
    }
    return false
  }

  @Test(.enabled(if: HostsLabTests.skipReason == nil, Comment(rawValue: HostsLabTests.skipReason ?? "")))
  func aLimitOnAHostRotatesThereAndASecondHostIsRefusedTheHeldLogin() throws {
    try HostsLabTests.withLab { lab in
      let sandbox = try CLISandbox()
      let repository = sandbox.root.path("repo")
      try GitRepository.create(at: repository)
      try sandbox.writeUserCatalog(
        #"{"providers": {"fake": {"extends": "claude", "binary": "fake-claude"}}}"#)
      for n in 1...2 {
        try HostsLabTests.addHost(n, to: sandbox, lab: lab)
        try RemoteAgentsLabTests.prepareHost(n, lab: lab, script: Self.fakeScript)
      }
      for (label, token) in [("a", "tok-limited"), ("b", "tok-b")] {
        let file = sandbox.root.path("\(label).json")
        try Self.login(token).write(toFile: file, atomically: true, encoding: .utf8)
        let added = try sandbox.run(["accounts", "add", "fake", "--label", label, "--credentials-file", file])
        try #require(added.exitCode == 0, "\(added.stderr)")
      }

      let spawned = try sandbox.run([
        "--json", "spawn", "--host", "h1", "--provider", "fake", "--account", "a", "--rotate", "--cwd",
        repository, "--name", "r1", "@gate work",
      ])
      try #require(spawned.exitCode == 0, "\(spawned.stderr)")
      let leased = try Self.account("a", sandbox)["leases"] as? [[String: Any]]
      #expect(leased?.first?["host"] as? String == "h1" && leased?.first?["kind"] as? String == "exclusive")
      #expect(!spawned.stdout.contains("tok-") && !spawned.stderr.contains("tok-"))

      // The limit parks a on h1; the next looks from here lend b there and the agent goes on with it.
      let rotated = try Self.poll(90, look: { _ = try sandbox.run(["show", "r1"]) }) {
        try Self.holders("b", sandbox) == ["h1"]
          && (try sandbox.run(["--json", "show", "r1"]).jsonObject()["status"] as? String) == "running"
      }
      let shownR1 = try sandbox.run(["--json", "show", "r1"]).stdout
      #expect(rotated, "r1: \(shownR1)")
      let record = try sandbox.run(["--json", "show", "r1"]).jsonObject()
      let hostAccounts = lab + "/homes/ma-h1/.local/share/multiagent/home/accounts/fake"
      let onB = hostAccounts + "/\(record["account"] as? String ?? "?")"
      #expect(
        (try? String(contentsOfFile: onB + "/.credentials.json", encoding: .utf8))?.contains("tok-b") == true)
      #expect(try FileManager.default.attributesOfItem(atPath: onB)[.posixPermissions] as? Int == 0o700)
      #expect(
        try FileManager.default.attributesOfItem(atPath: onB + "/.credentials.json")[.posixPermissions]
          as? Int
          == 0o600)
      try refusals(sandbox, repository: repository)

      try Data().write(to: URL(fileURLWithPath: lab + "/homes/ma-h1/fake/gate"))
      let waited = try sandbox.run(["wait", "r1", "--timeout", "90"])
      #expect(waited.exitCode == 0 && waited.stdout == "completed\n", "\(waited.stdout) \(waited.stderr)")
      #expect(
        try GitRepository.git(["show", "multiagent/r1:remote.txt"], in: repository) == "made on 10.77.1.2\n")
      try comeBack(sandbox, repository: repository, hostAccounts: hostAccounts)
    }
  }

  /// While h1 holds b: h2 is refused b by name, and any account; b cannot be removed.
  func refusals(_ sandbox: CLISandbox, repository: String) throws {
    let refused = try sandbox.run([
      "--json", "spawn", "--host", "h2", "--provider", "fake", "--account", "b", "--cwd", repository,
      "--name",
      "r2", "work",
    ])
    #expect(refused.exitCode == 1, "\(refused.stdout) \(refused.stderr)")
    #expect(refused.stdout.contains("\"account_leased\"") && refused.stderr.contains("is leased to host h1"))
    let none = try sandbox.run(["spawn", "--host", "h2", "--provider", "fake", "--cwd", repository, "work"])
    #expect(
      none.exitCode == 1 && none.stderr.contains("no fake account is free for host h2"), "\(none.stderr)")
    let synced = try sandbox.run(["--json", "hosts", "sync", "h1"])
    #expect(synced.exitCode == 0, "\(synced.stderr)")
    let held = try synced.jsonObject()["leases"] as? [[String: Any]] ?? []
    #expect(
      held.contains { $0["label"] as? String == "b" && $0["kind"] as? String == "exclusive" }, "\(held)")
    let removal = try sandbox.run(["accounts", "remove", "b"])
    #expect(removal.exitCode == 1 && removal.stderr.contains("leased to host h1"), "\(removal.stderr)")
    #expect(try sandbox.run(["--json", "list"]).jsonArray().map { $0["name"] as? String } == ["r1"])
  }

  /// h1 stops using both accounts: they come back (b refreshed there, a still exhausted), h1
  /// forgets them, and h2 may now have b.
  func comeBack(_ sandbox: CLISandbox, repository: String, hostAccounts: String) throws {
    let returned = try Self.poll(90, look: { _ = try sandbox.run(["list"]) }) {
      try Self.holders("a", sandbox).isEmpty && Self.holders("b", sandbox).isEmpty
    }
    let listed = try sandbox.run(["accounts", "list"]).stdout
    #expect(returned, "\(listed)")
    let b = try Self.account("b", sandbox)
    let home = b["config_directory"] as? String ?? "?"
    let refreshed = try String(contentsOfFile: home + "/.credentials.json", encoding: .utf8)
    #expect(refreshed.contains("tok-b-refreshed"), "b's login did not come back refreshed")
    #expect(try Self.account("a", sandbox)["status"] as? String == "exhausted")
    // Only the provider's shared sessions folder stays there.
    let left = ((try? FileManager.default.contentsOfDirectory(atPath: hostAccounts)) ?? []).filter {
      !$0.hasPrefix(".")
    }
    #expect(left.isEmpty, "\(left)")

    let moved = try sandbox.run([
      "spawn", "--host", "h2", "--provider", "fake", "--account", "b", "--cwd", repository, "--name", "r2",
      "work", "--wait", "--timeout", "90",
    ])
    #expect(moved.exitCode == 0 && moved.stdout == "r2\ncompleted\n", "\(moved.stdout) \(moved.stderr)")
    #expect(try Self.holders("b", sandbox) == ["h2"])
    // Forgetting h2 takes b back first, however recently it was lent.
    let forgotten = try sandbox.run(["hosts", "remove", "h2"])
    #expect(forgotten.exitCode == 0, "\(forgotten.stderr)")
    #expect(try Self.holders("b", sandbox).isEmpty)
  }
}
