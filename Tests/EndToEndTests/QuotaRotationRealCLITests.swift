import Foundation
import JSONKit
import TestSupport
import Testing

/// Switching before the limit, with the REAL claude: account A's turn reports 95% of its five-hour
/// window (`allowed_warning`); the agent asks a question; the answer resumes the same session on
/// account B, whose first request carries turn 1; A's reading and reset show in `accounts list`.
@Suite(.serialized) struct QuotaRotationRealCLITests {
  let directory: TemporaryDirectory
  let home: String
  let repository: String

  init() throws {
    directory = try TemporaryDirectory(prefix: "quota")
    home = directory.path("home")
    repository = directory.path("repo")
    try GitRepository.create(at: repository)
  }

  func multiagent(_ arguments: [String], _ environment: [String: String], input: String? = nil) throws
    -> CLIRunner.Result
  {
    try CLIRunner.run(
      ["--home", home] + arguments, environment: environment, timeout: 180, standardInput: input)
  }

  static func quoted(_ text: String) -> String { JSONWriter.string(.string(text)) }

  static func writeSignal(_ json: String) -> String { "printf '%s' '\(json)' > \"$MULTIAGENT_SIGNAL_FILE\"" }

  static func script(fiveHourReset: Int) -> String {
    let warning = """
      {"status": "allowed_warning", "five_hour": {"utilization": 0.95, "reset_in": \(fiveHourReset - Int(Date().timeIntervalSince1970)), "status": "allowed_warning", "surpassed_threshold": 0.9}, "seven_day": {"utilization": 0.3, "reset_in": 500000, "status": "allowed"}}
      """
    let question = writeSignal(
      #"{"status":"questions","questions":[{"id":"q1","question":"Which database should the app use?","options":["PostgreSQL","SQLite"]}]}"#
    )
    let done = writeSignal(#"{"status":"done","result":"Chose SQLite on the second account."}"#)
    return """
      {"keys": {
        "tok-quota-a": [
          {"text": "I need a decision.", "shell": \(quoted(question)), "quota": \(warning)},
          {"text": "Asked which database.", "quota": \(warning)}
        ],
        "tok-quota-b": [
          {"text": "Using SQLite.", "shell": \(quoted(done))},
          {"text": "Done."}
        ]
      }}
      """
  }

  @Test(.enabled(if: RealCLIs.hasClaude, RealCLIs.skipReason))
  func aWarningTurnMovesTheAnswerToTheNextAccount() throws {
    let reset = Int(Date().timeIntervalSince1970) + 3 * 3600
    let server = try FakeModelServer(script: Self.script(fiveHourReset: reset), directory: directory.url)
    defer { server.stop() }
    let environment = [
      "HOME": directory.path("user"), "PATH": RealCLIs.binDirectory.path + ":/usr/local/bin:/usr/bin:/bin",
      "TZ": "UTC", "ANTHROPIC_BASE_URL": server.baseURL, "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
      "CLAUDE_CODE_MAX_RETRIES": "0", "DISABLE_AUTOUPDATER": "1",
    ]
    for (label, token) in [("A", "tok-quota-a"), ("B", "tok-quota-b")] {
      let added = try multiagent(
        ["accounts", "add", "claude", "--label", label, "--token-stdin"], environment, input: token)
      #expect(added.exitCode == 0, "accounts add: \(added.stderr)")
    }
    let spawn = try multiagent(
      [
        "spawn", "--provider", "claude", "--cwd", repository, "--name", "chooser", "--account", "A",
        "--rotate",
        "Pick a database for the app.",
      ], environment)
    #expect(spawn.exitCode == 0, "spawn: \(spawn.stderr)")
    let asked = try multiagent(["wait", "chooser", "--timeout", "150"], environment)
    #expect(asked.exitCode == 3, "wait: \(asked.stdout) \(asked.stderr)")
    let first = try #require(
      try multiagent(["--json", "show", "chooser"], environment).json() as? [String: Any])
    let session = try #require(first["session_id"] as? String)

    // A's reading is kept: 95% of the five-hour window, with its reset.
    let accounts = try #require(
      try multiagent(["--json", "accounts", "list", "claude"], environment).json() as? [[String: Any]])
    let a = try #require(accounts.first { $0["label"] as? String == "A" })
    let b = try #require(accounts.first { $0["label"] as? String == "B" })
    #expect(a["status"] as? String == "available", "a warning is not a limit")
    let quota = try #require(a["quota"] as? [[String: Any]])
    let fiveHour = try #require(quota.first { $0["window"] as? String == "five_hour" })
    #expect(fiveHour["utilization"] as? Double == 0.95)
    #expect(fiveHour["status"] as? String == "allowed_warning")
    #expect(abs((jsonTime(fiveHour["resets_at"]) ?? 0) - Double(reset)) <= 5, "\(fiveHour)")
    #expect(jsonTime(fiveHour["read_at"]) != nil)
    #expect((b["quota"] as? [Any])?.isEmpty == true)
    let table = try multiagent(["accounts", "list"], environment)
    #expect(table.stdout.contains("five_hour 95%"), "\(table.stdout)")

    // The answer resumes the same session on B: A is over the 0.9 threshold.
    let answered = try multiagent(["answer", "chooser", "--answer", "q1=SQLite"], environment)
    #expect(answered.exitCode == 0, "answer: \(answered.stderr)")
    let done = try multiagent(["wait", "chooser", "--timeout", "150"], environment)
    #expect(done.exitCode == 0, "wait: \(done.stdout) \(done.stderr)")
    let final = try #require(
      try multiagent(["--json", "show", "chooser"], environment).json() as? [String: Any])
    #expect(final["status"] as? String == "completed")
    #expect(final["result"] as? String == "Chose SQLite on the second account.")
    #expect(final["account"] as? String == b["id"] as? String)
    #expect(final["session_id"] as? String == session)

    // Nothing was copied: Claude's accounts share one config dir (CLAUDE_SECURESTORAGE_CONFIG_DIR
    // points at each account's credentials), and the one transcript lives there.
    let accountsRoot = home + "/accounts/claude"
    let bID = try #require(b["id"] as? String)
    let aID = try #require(a["id"] as? String)
    for id in [aID, bID] {
      #expect(
        !FileManager.default.fileExists(atPath: accountsRoot + "/" + id + "/projects"), "\(id) holds a copy")
    }
    let projects = try FileManager.default.contentsOfDirectory(atPath: accountsRoot + "/.shared/projects")
    #expect(
      projects.contains {
        FileManager.default.fileExists(atPath: accountsRoot + "/.shared/projects/\($0)/\(session).jsonl")
      })
    let switched = try multiagent(["events", "--agent", "chooser"], environment).stdout
    #expect(switched.contains("config dir is shared, nothing to move"), "\(switched)")

    // B's first request carries turn 1; the runs name their accounts.
    let requests = try server.requests()
    let firstOnB = try #require(requests.first { $0["key"]?.stringValue == "tok-quota-b" })
    let body = JSONWriter.string(firstOnB["body"] ?? .null)
    #expect(body.contains("Pick a database for the app."))
    #expect(body.contains("Asked which database."))
    #expect(body.contains("SQLite"))
    let runs = try #require(final["runs"] as? [[String: Any]])
    #expect(runs.map { $0["label"] as? String } == ["A", "B"], "\(runs)")
    #expect(runs.allSatisfy { $0["provider"] as? String == "claude" })
    #expect(runs.last?["session_id"] as? String == session)
    let events = try multiagent(["events", "--agent", "chooser"], environment)
    #expect(events.stdout.components(separatedBy: "account_selected").count - 1 == 2, "\(events.stdout)")
  }
}

/// An upgrade loses no conversation: a waiting agent whose session an earlier version kept in its
/// Claude account's own config dir resumes on that account from the shared dir (moved there first).
@Suite(.serialized) struct SharedConfigUpgradeRealCLITests {
  @Test(.enabled(if: RealCLIs.hasClaude, RealCLIs.skipReason))
  func aSessionInTheAccountsOwnDirIsMovedToTheSharedOneAndResumes() throws {
    let directory = try TemporaryDirectory(prefix: "upgrade")
    let home = directory.path("home")
    let repository = directory.path("repo")
    try GitRepository.create(at: repository)
    func multiagent(_ arguments: [String], _ environment: [String: String], input: String? = nil) throws
      -> CLIRunner.Result
    {
      try CLIRunner.run(
        ["--home", home] + arguments, environment: environment, timeout: 180, standardInput: input)
    }
    let question = QuotaRotationRealCLITests.writeSignal(
      #"{"status":"questions","questions":[{"id":"q1","question":"Which colour?","options":["red","blue"]}]}"#
    )
    let done = QuotaRotationRealCLITests.writeSignal(#"{"status":"done","result":"Painted it blue."}"#)
    let script = """
      {"keys": {"tok-upgrade": [
        {"text": "Asking.", "shell": \(QuotaRotationRealCLITests.quoted(question))},
        {"text": "Asked which colour."},
        {"text": "Painting.", "shell": \(QuotaRotationRealCLITests.quoted(done))},
        {"text": "Done."}
      ]}}
      """
    let server = try FakeModelServer(script: script, directory: directory.url)
    defer { server.stop() }
    let environment = [
      "HOME": directory.path("user"), "PATH": RealCLIs.binDirectory.path + ":/usr/local/bin:/usr/bin:/bin",
      "TZ": "UTC", "ANTHROPIC_BASE_URL": server.baseURL, "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
      "CLAUDE_CODE_MAX_RETRIES": "0", "DISABLE_AUTOUPDATER": "1",
    ]
    let added = try multiagent(
      ["--json", "accounts", "add", "claude", "--label", "only", "--token-stdin"], environment,
      input: "tok-upgrade")
    let accountID = try #require((try added.json() as? [String: Any])?["id"] as? String)
    #expect(
      try multiagent(
        ["spawn", "--provider", "claude", "--cwd", repository, "--name", "painter", "Paint it."], environment
      ).exitCode == 0)
    #expect(try multiagent(["wait", "painter", "--timeout", "150"], environment).exitCode == 3)

    // Put the session where an earlier version kept it: in the account's own config dir.
    let shared = home + "/accounts/claude/.shared"
    let own = home + "/accounts/claude/" + accountID
    let manager = FileManager.default
    try manager.moveItem(atPath: shared + "/projects", toPath: own + "/projects")
    #expect(!manager.fileExists(atPath: shared + "/projects"))

    #expect(try multiagent(["answer", "painter", "--answer", "q1=blue"], environment).exitCode == 0)
    let finished = try multiagent(["wait", "painter", "--timeout", "150"], environment)
    #expect(finished.exitCode == 0, "\(finished.stdout) \(finished.stderr)")
    let final = try #require(
      try multiagent(["--json", "show", "painter"], environment).json() as? [String: Any])
    #expect(final["result"] as? String == "Painted it blue.")
    let resumed = try #require(try server.requests().dropFirst(2).first)
    #expect(JSONWriter.string(resumed["body"] ?? .null).contains("Asked which colour."), "turn 1 was carried")
    #expect(manager.fileExists(atPath: shared + "/projects"), "the session now lives in the shared dir")
  }
}
