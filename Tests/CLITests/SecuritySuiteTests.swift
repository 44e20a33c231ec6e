import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The security requirement, checked the way a user would: secrets never in argv, in another
/// agent's environment, in logs, events or `--json`; files 0600 and folders 0700; names and ids
/// never escape the home; the signal file cannot make multiagent read or write outside the agent's
/// state dir; a child's token acts on nothing else, on every command.
@Suite struct SecuritySuiteTests {
  /// A secret no other test uses.
  static func secret(_ label: String) -> String {
    "sk-sec-\(label)-" + UUID().uuidString.lowercased()
  }

  @Test func eachSecretReachesOnlyItsOwnAgentsEnvironmentAndTheAccountsSecretColumn() throws {
    let world = try SecurityWorld()
    let secrets = ["a": Self.secret("a"), "b": Self.secret("b"), "c": Self.secret("c")]
    for (label, secret) in secrets.sorted(by: { $0.key < $1.key }) {
      let added = try world.run(
        ["accounts", "add", "fake", "--label", label, "--api-key-stdin"], input: secret)
      #expect(added.exitCode == 0 && !(added.stdout + added.stderr).contains(secret), "\(added.stderr)")
    }
    // An account added and removed: its secret must be gone from every byte of the home.
    let removed = Self.secret("removed")
    _ = try world.sandbox.addAccount(["fake", "--label", "gone", "--api-key-stdin"], input: removed)
    #expect(try world.run(["accounts", "remove", "gone"]).exitCode == 0)
    #expect(
      HomeWalk.files(under: world.home, containing: removed).isEmpty, "a removed secret is still on disk")

    _ = try world.world.spawn("@stream:20 @gate alpha streams", name: "alpha", extra: ["--account", "a"])
    _ = try world.world.spawn("@gate beta sleeps", name: "beta", extra: ["--account", "b"])
    let ids = ["a": try #require(try world.world.waitUntilRunning("alpha")["id"] as? String)]
      .merging(["b": try #require(try world.world.waitUntilRunning("beta")["id"] as? String)]) { $1 }
    let tokens = try ids.mapValues { try world.family.token(of: $0) }

    // While both run: no secret or token in any process's argv; each secret and token only in the
    // environment of its own agent's processes (the CLI and what it started), never a supervisor's;
    // the unused account's secret and the removed one in no environment at all.
    let needles = Array(secrets.values) + Array(tokens.values) + [removed]
    var owners: [String: String?] = [secrets["c"]!: nil, removed: nil]
    for label in ["a", "b"] {
      owners[secrets[label]!] = .some(ids[label]!)
      owners[tokens[label]!] = .some(ids[label]!)
    }
    Self.expectSecretsOnlyWithTheirAgents(owners)
    try Self.expectNoSecretInOutput(world, needles)

    try world.world.openGate()
    for name in ["alpha", "beta"] {
      #expect(try world.run(["wait", name, "--timeout", "60"]).exitCode == 0)
    }
    try Self.expectNoSecretInOutput(world, needles)
    try Self.expectSecretsOnlyInTheirColumn(world, secrets: Array(secrets.values), removed: removed)
    // Every argv the fake CLI was started with (recorded by the fake) is clean too.
    for call in try world.world.calls() {
      for needle in needles { #expect(!call.argv.joined(separator: " ").contains(needle)) }
    }
  }

  /// Reads every process's argv and environment once: no needle in any argv; a needle in an
  /// environment only where `MULTIAGENT_AGENT_ID` is its owner (nil: nowhere); each owned needle in
  /// at least one environment (the CLI got it).
  static func expectSecretsOnlyWithTheirAgents(_ owners: [String: String?]) {
    var seen: Set<String> = []
    for pid in ProcessTableSnapshot.allProcesses() {
      let argv = ProcessTableSnapshot.read(pid, "cmdline")
      let environ = ProcessTableSnapshot.read(pid, "environ")
      let agent = environ.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        .first { $0.hasPrefix("MULTIAGENT_AGENT_ID=") }.map { String($0.dropFirst(20)) }
      for (needle, owner) in owners {
        #expect(argv.range(of: Data(needle.utf8)) == nil, "the argv of process \(pid) holds a secret")
        guard environ.range(of: Data(needle.utf8)) != nil else { continue }
        seen.insert(needle)
        #expect(
          owner != nil && agent == owner,
          "process \(pid) of agent \(agent ?? "none") holds a secret of agent \(owner ?? "none")")
      }
    }
    for (needle, owner) in owners where owner != nil {
      #expect(seen.contains(needle), "agent \(owner!) should get its secret through its environment")
    }
  }

  /// No secret in anything the CLI prints about agents, events or accounts.
  static func expectNoSecretInOutput(_ world: SecurityWorld, _ needles: [String]) throws {
    for arguments in [
      ["--json", "list", "--all"], ["list"], ["--json", "show", "alpha"], ["--json", "show", "beta"],
      ["show", "alpha"], ["--json", "events"], ["events"], ["--json", "logs", "alpha"],
      ["logs", "beta", "--raw"], ["--json", "accounts", "list"], ["accounts", "list"],
      ["--json", "accounts", "show", "a"], ["accounts", "show", "b"], ["--json", "tree"],
    ] {
      let result = try world.run(arguments)
      #expect(result.exitCode == 0, "\(arguments): \(result.stderr)")
      for needle in needles {
        #expect(!(result.stdout + result.stderr).contains(needle), "\(arguments) printed a secret")
      }
    }
  }

  /// The live secrets are in the database's `accounts.secret` column and nowhere else in the home
  /// (no credential file: API keys reach the CLI through its environment); the removed one nowhere.
  static func expectSecretsOnlyInTheirColumn(_ world: SecurityWorld, secrets: [String], removed: String)
    throws
  {
    let database = world.home + "/state.db"
    for secret in secrets {
      #expect(try DatabaseScan.columns(of: database, containing: secret) == ["accounts.secret"])
      let files = HomeWalk.files(under: world.home, containing: secret)
      #expect(Set(files).isSubset(of: [database, database + "-wal"]), "\(files) hold a secret")
    }
    #expect(try DatabaseScan.columns(of: database, containing: removed).isEmpty)
    #expect(HomeWalk.files(under: world.home, containing: removed).isEmpty)
  }

  @Test func everyFileOfTheHomeIsPrivateAfterAFullLifecycle() throws {
    let world = try SecurityWorld()
    // Accounts of every kind: an API key, and a credential file copied into the config dir.
    _ = try world.sandbox.addAccount(["fake", "--label", "key", "--api-key-stdin"], input: Self.secret("k"))
    let credentials = world.sandbox.root.path("creds.json")
    try #"{"claudeAiOauth":{"accessToken":"at-1","refreshToken":"rt-1","expiresAt":9999999999999}}"#
      .write(toFile: credentials, atomically: true, encoding: .utf8)
    _ = try world.sandbox.addAccount(["fake", "--label", "file", "--credentials-file", credentials])
    let notes = world.sandbox.root.path("notes.md")
    try "notes\n".write(toFile: notes, atomically: true, encoding: .utf8)

    // A question and its answer, in a worktree, with an input file, on the credential-file account.
    _ = try world.world.spawn("@ask pick", name: "asker", extra: ["--account", "file", "--input", notes])
    #expect(try world.run(["wait", "asker", "--timeout", "30"]).exitCode == 3)
    #expect(
      try world.run(["answer", "asker", "--answer", "q1=red", "--wait", "--timeout", "30"]).exitCode == 0)
    // One stopped while it runs, one deleted while it runs.
    for name in ["halted", "gone"] {
      _ = try world.world.spawn("@gate \(name)", name: name)
      try world.world.waitUntilRunning(name)
    }
    #expect(try world.run(["stop", "halted"]).exitCode == 0)
    #expect(try world.run(["delete", "gone"]).exitCode == 0)
    // A parent and its sub-agent, both to completion.
    let lead = try world.family.spawnParent("lead", children: ["kid"])
    _ = try world.family.waitForChildren(["kid"])
    try world.world.openGate()
    #expect(try world.run(["wait", "kid", "--timeout", "60"]).exitCode == 0)
    try world.family.openParentGate()
    #expect(try world.run(["wait", lead, "--timeout", "60"]).exitCode == 0)
    // One that streams, completes and is dismissed.
    _ = try world.world.spawn("@stream:20 short", name: "brief")
    #expect(try world.run(["wait", "brief", "--timeout", "30"]).exitCode == 0)
    #expect(try world.run(["dismiss", "brief"]).exitCode == 0)
    let statuses = try world.world.records().map { "\($0["name"]!) \($0["status"]!)" }.sorted()
    #expect(
      statuses == ["asker completed", "brief completed", "halted stopped", "kid completed", "lead completed"])

    var info = stat()
    #expect(lstat(world.home, &info) == 0 && info.st_mode & 0o7777 == 0o700, "the home")
    let entries = HomeWalk.entries(under: world.home)
    #expect(entries.count > 30, "the walk found too little: \(entries.map(\.path))")
    for folder in ["/worktrees/asker", "/accounts/fake", "/agents"] {
      #expect(entries.contains { $0.path == world.home + folder }, "\(folder) is missing")
    }
    #expect(entries.contains { $0.path.hasSuffix("/.credentials.json") }, "no credential file was written")
    for entry in entries {
      let mode = String(entry.mode, radix: 8)
      #expect(entry.owner == geteuid(), "\(entry.path) belongs to uid \(entry.owner)")
      switch entry.type {
      case S_IFDIR: #expect(entry.mode == 0o700, "\(entry.path) is a folder of mode \(mode)")
      case S_IFREG: #expect(entry.mode & ~0o600 == 0, "\(entry.path) is a file of mode \(mode)")
      default: Issue.record("\(entry.path) is neither a file nor a folder (type \(entry.type))")
      }
    }
  }

  @Test func namesAndIDsNeverEscapeTheHome() throws {
    let world = try SecurityWorld()
    let root = world.sandbox.root.url.path
    _ = try world.sandbox.addAccount(["fake", "--label", "work", "--api-key-stdin"], input: "key")
    _ = try world.world.spawn("real", name: "real")
    #expect(try world.run(["wait", "real", "--timeout", "30"]).exitCode == 0)
    let realID = try world.id(of: "real")
    // Run from a folder of the sandbox, so that a relative path that escaped would land where the
    // fingerprint sees it.
    let directory = world.sandbox.root.url.appending(path: "cwd")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let before = HomeWalk.fingerprint(of: root, excluding: world.home)
    // The home's entries, but for the database and the files of `real` (its supervisor may still log).
    let homeListing = {
      HomeWalk.entries(under: world.home).map(\.path).filter {
        !$0.contains("/agents/\(realID)/") && !$0.hasPrefix(world.home + "/state.db")
      }
    }
    let homeBefore = homeListing()
    let listBefore = try world.run(["--json", "list", "--all"]).stdout
    let accountsBefore = try world.run(["--json", "accounts", "list"]).stdout

    let paths = [
      "../x", "../../x", "../../../escape", "/etc/x", world.sandbox.root.path("abs"), "a/b", "..", ".",
      "x/../../y", "~/x", "../agents/\(realID)", "\(realID)/../\(realID)", "real/", "./real",
    ]
    let spawn = ["spawn", "--provider", "fake", "--cwd", world.world.repository]
    for path in paths {
      var cases: [([String], Int32, String)] = [
        (spawn + ["--name", path, "x"], 2, "invalid_name"),
        (spawn + ["--parent", path, "x"], 1, "not_found"),
        (spawn + ["--account", path, "x"], 1, "unknown_account"),
        (["events", "--agent", path], 1, "not_found"), (["tree", path], 1, "not_found"),
        (["answer", path, "--answer", "q1=x"], 1, "not_found"),
        (["wait", path, "--timeout", "1"], 1, "not_found"),
      ]
      // A label is no path (config dirs are named by id), but one with a slash is refused all the same.
      if path.contains("/") {
        cases.append((["accounts", "add", "fake", "--label", path, "--api-key-stdin"], 2, "invalid_label"))
      }
      for command in ["show", "logs", "result", "questions", "stop", "delete", "dismiss"] {
        cases.append(([command, path], 1, "not_found"))
      }
      for command in ["show", "remove", "enable", "disable", "reset"] {
        cases.append((["accounts", command, path], 1, "not_found"))
      }
      for (arguments, exitCode, code) in cases {
        let result = try CLIRunner.run(
          ["--home", world.home, "--json"] + arguments, environment: world.sandbox.environment,
          directory: directory, standardInput: "key")
        let error = try? result.jsonObject()["error"] as? [String: Any]
        #expect(
          result.exitCode == exitCode && error?["code"] as? String == code,
          "\(arguments) → \(result.exitCode) \(result.stdout)")
      }
    }
    // Nothing was made, changed or removed outside the home, nor inside it.
    #expect(HomeWalk.fingerprint(of: root, excluding: world.home) == before)
    #expect(!FileManager.default.fileExists(atPath: "/etc/x"))
    #expect(homeListing() == homeBefore)
    #expect(try world.run(["--json", "list", "--all"]).stdout == listBefore)
    #expect(try world.run(["--json", "accounts", "list"]).stdout == accountsBefore)
    #expect(try world.world.branches() == ["main", "multiagent/real"])
  }

  @Test func aSignalFileLinkedOutsideTheStateDirIsNeitherReadNorWritten() throws {
    let world = try SecurityWorld()
    let outside = world.sandbox.root.url.path + "/"
    // Another agent's signal file is outside this agent's state dir too.
    _ = try world.spawnBare("fake", "neighbour", name: "neighbour")
    #expect(try world.run(["wait", "neighbour", "--timeout", "30"]).exitCode == 0)
    let neighbourSignal = world.world.stateDirectory(try world.id(of: "neighbour")) + "/signal.json"
    let targets: [(name: String, link: String, file: OutsideFile)] = [
      (
        "done", "symlink",
        try OutsideFile(outside + "done.json", content: #"{"status":"done","result":"STOLEN-1"}"#)
      ),
      (
        "asks", "symlink",
        try OutsideFile(
          outside + "asks.json", content: #"{"status":"questions","questions":["STOLEN-2?"]}"#, mode: 0o640)
      ),
      (
        "hard", "hardlink",
        try OutsideFile(outside + "hard.json", content: #"{"status":"done","result":"STOLEN-3"}"#)
      ),
      (
        "sibling", "symlink",
        try OutsideFile(existing: neighbourSignal)
      ),
    ]
    try targets.last!.file.expectUntouched()
    for target in targets {
      _ = try world.spawnBare("rogue", "@\(target.link) \(target.file.path)", name: target.name)
    }
    for target in targets {
      let name = target.name
      #expect(try world.run(["wait", name, "--timeout", "30"]).exitCode == 1, "\(name) should fail")
      let record = try world.world.record(name)
      #expect(record["status"] as? String == "failed", "\(name): \(record)")
      #expect((record["error"] as? String)?.contains("signal file") == true, "\(name): \(record)")
      // Nothing of the outside file reached the agent's result, questions, record, events or logs.
      #expect(try world.run(["result", name]).exitCode == 1)
      for arguments in [
        ["--json", "show", name], ["--json", "questions", name], ["--json", "events", "--agent", name],
        ["logs", name],
      ] {
        let output = try world.run(arguments).stdout
        #expect(!output.contains("STOLEN") && !output.contains("done: neighbour"), "\(arguments): \(output)")
      }
      try target.file.expectUntouched(links: target.link == "hardlink" ? 2 : 1, "\(name)")
    }
    // Maintenance and deletion remove the links, never what they point at.
    #expect(try world.run(["reconcile"]).exitCode == 0)
    #expect(try world.run(["cleanup"]).exitCode == 0)
    for target in targets {
      #expect(try world.run(["delete", target.name]).exitCode == 0)
      try target.file.expectUntouched("\(target.name) after delete")
    }
  }

  @Test func aSignalFileReplacedByALinkBeforeAnAnswerIsRemovedNotFollowed() throws {
    let world = try SecurityWorld()
    let victim = try OutsideFile(world.sandbox.root.path("victim.txt"), content: "precious\n")
    _ = try world.spawnBare("fake", "@ask pick", name: "asker")
    #expect(try world.run(["wait", "asker", "--timeout", "30"]).exitCode == 3)
    let signal = world.world.stateDirectory(try world.id(of: "asker")) + "/signal.json"
    try FileManager.default.removeItem(atPath: signal)
    try FileManager.default.createSymbolicLink(atPath: signal, withDestinationPath: victim.path)

    // The resumed run writes its signal to the path it is given: a fresh file, not the victim.
    let answered = try world.run(["answer", "asker", "--answer", "q1=red", "--wait", "--timeout", "30"])
    #expect(answered.exitCode == 0, "\(answered.stderr)")
    #expect(try world.run(["result", "asker"]).stdout.hasPrefix("answered: - q1 (Which color?): red"))
    var info = stat()
    #expect(lstat(signal, &info) == 0 && info.st_mode & S_IFMT == S_IFREG, "the signal is a file again")
    try victim.expectUntouched()
    #expect(try world.run(["delete", "asker"]).exitCode == 0)
    try victim.expectUntouched()
  }
}
