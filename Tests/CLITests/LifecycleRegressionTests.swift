import Foundation
import MultiAgent
import TestSupport
import Testing

/// Regressions found in review: failures must settle, and nothing of the user's is ever removed.
@Suite struct LifecycleRegressionTests {
  @Test func aFailedSpawnNeverDeletesABranchThatWasThereBefore() throws {
    let world = try LifecycleSandbox()
    // A branch kept from an earlier agent (`delete --keep-branch`) with the user's commit on it.
    _ = try LifecycleSandbox.git(["branch", "multiagent/keepme"], in: world.repository)
    let result = try world.run([
      "spawn", "--provider", "fake", "--cwd", world.repository, "--name", "keepme", "work",
    ])
    #expect(result.exitCode != 0)
    #expect(result.stderr.contains("already exists"), "\(result.stderr)")
    #expect(try world.branches().contains("multiagent/keepme"))
    #expect(try world.records().isEmpty)
  }

  @Test func aPinnedAccountWhoseRefreshFailsFailsTheAgentInsteadOfLooping() throws {
    let world = try LifecycleSandbox()
    let server = try FakeModelServer(
      script: #"{"oauth": {"rt-dead": {"error": "invalid_grant", "status": 400}}}"#,
      directory: world.sandbox.root.url)
    defer { server.stop() }
    let credentials = world.sandbox.root.path("creds.json")
    let expired = Int((Date().timeIntervalSince1970 - 60) * 1000)
    try Data(
      #"{"claudeAiOauth":{"accessToken":"at-old","refreshToken":"rt-dead","expiresAt":\#(expired)}}"#.utf8
    ).write(to: URL(fileURLWithPath: credentials))
    #expect(
      try world.run(["accounts", "add", "fake", "--label", "only", "--credentials-file", credentials])
        .exitCode == 0)
    let result = try world.sandbox.run(
      [
        "spawn", "--provider", "fake", "--cwd", world.repository, "--name", "pinned", "--account", "only",
        "--wait",
        "--timeout", "60", "work",
      ],
      extraEnvironment: ["MULTIAGENT_OAUTH_TOKEN_URL_FAKE": server.baseURL + "/oauth/token"])
    #expect(result.exitCode == 1, "\(result.stdout) \(result.stderr)")
    let record = try world.record("pinned")
    #expect(record["status"] as? String == "failed")
    #expect((record["error"] as? String)?.contains("refresh") == true, "\(record)")
    // One refresh attempt, not a storm.
    #expect(try server.requests().filter { $0["api"]?.stringValue == "oauth" }.count == 1)
  }
}

/// A supervisor killed after its CLI hit a usage limit: the rotation still happens.
@Suite struct RotationAfterSupervisorCrashTests {
  @Test func aUsageLimitSurvivesTheSupervisorBeingKilled() throws {
    let world = try LifecycleSandbox()
    for (label, token) in [("limited", "tok-limited"), ("fine", "tok-fine")] {
      #expect(
        try world.run(["accounts", "add", "fake", "--label", label, "--token-stdin"], input: token).exitCode
          == 0)
    }
    _ = try world.spawn("work", name: "survivor", extra: ["--account", "limited", "--rotate"])
    // The limit is seen (the account is parked) while the CLI still runs.
    #expect(
      try eventually(timeout: 30) {
        let accounts = try world.run(["--json", "accounts", "list"]).stdout
        return accounts.contains("\"exhausted\"")
      })
    let record = try world.record("survivor")
    let supervisor = try #require((record["supervisor"] as? [String: Any])?["pid"] as? Int)
    kill(pid_t(supervisor), SIGKILL)
    try world.openGate()
    let waited = try world.run(["wait", "survivor", "--timeout", "60"])
    #expect(waited.exitCode == 0, "\(waited.stdout) \(waited.stderr)")
    let final = try world.record("survivor")
    let accounts = try #require(
      try JSONSerialization.jsonObject(with: Data(world.run(["--json", "accounts", "list"]).stdout.utf8))
        as? [[String: Any]])
    let fine = try #require(accounts.first { $0["label"] as? String == "fine" })
    #expect(final["status"] as? String == "completed", "\(final)")
    #expect(final["account"] as? String == fine["id"] as? String)
  }
}

/// A resume that comes back under another session id is an error, not a quiet restart.
@Suite struct SessionMismatchTests {
  @Test func aResumeThatStartsANewSessionFailsTheAgent() throws {
    let world = try LifecycleSandbox()
    let name = try world.spawn("@ask which color", name: "mismatch")
    #expect(try world.run(["wait", name, "--timeout", "60"]).exitCode == 3)
    let session = try #require(try world.record(name)["session_id"] as? String)
    #expect(try world.run(["answer", name, "@newsession blue"]).exitCode == 0)
    let waited = try world.run(["wait", name, "--timeout", "60"])
    #expect(waited.exitCode == 1, "\(waited.stdout) \(waited.stderr)")
    let record = try world.record(name)
    #expect(record["status"] as? String == "failed")
    #expect(
      (record["error"] as? String)?.contains("refusing to continue in a new conversation") == true,
      "\(record)")
    #expect(record["session_id"] as? String == session)
  }
}

/// A child stopped while still queued is reported to its parent as `skipped`.
@Suite struct SkippedChildTests {
  @Test func aQueuedChildStoppedBeforeItRanIsSkipped() throws {
    let world = try LifecycleSandbox()
    try Data(#"{"limits": {"maxRunning": 1}}"#.utf8).write(
      to: URL(fileURLWithPath: world.home + "/config.json"))
    let parent = try world.spawn("@gate lead", name: "lead", extra: ["--no-worktree"])
    _ = try world.waitUntilRunning(parent)
    let child = try world.spawn(
      "@gate follower", name: "follower", extra: ["--no-worktree", "--parent", parent])
    #expect(try world.record(child)["status"] as? String == "queued")
    #expect(try world.run(["stop", child]).exitCode == 0)
    let events = try world.run(["--json", "events", "--agent", parent])
    let lines = events.stdout.split(separator: "\n").compactMap {
      try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
    let completion = lines.first { $0["type"] as? String == "child_completed" }
    #expect(completion?["child"] as? String == "follower", "\(events.stdout)")
    #expect(completion?["status"] as? String == "skipped")
    try world.openGate()
  }
}

/// A later turn whose transcript cannot move to the next account fails clearly: it must not start
/// over on the new account with only the answers and none of the conversation.
@Suite struct UnmovableSessionTests {
  @Test func aLimitOnALaterTurnWithoutAMovableTranscriptFails() throws {
    let world = try LifecycleSandbox()
    try world.openGate()
    for (label, token) in [("first", "tok-first"), ("second", "tok-second")] {
      #expect(
        try world.run(["accounts", "add", "fake", "--label", label, "--token-stdin"], input: token).exitCode
          == 0)
    }
    let name = try world.spawn("@ask work", name: "later", extra: ["--account", "first", "--rotate"])
    #expect(try world.run(["wait", name, "--timeout", "60"]).exitCode == 3)
    // The fake CLI keeps no transcript, so the session has nothing to move to "second".
    #expect(try world.run(["answer", name, "@limit now"]).exitCode == 0)
    let waited = try world.run(["wait", name, "--timeout", "60"])
    #expect(waited.exitCode == 1, "\(waited.stdout) \(waited.stderr)")
    let record = try world.record(name)
    #expect(record["status"] as? String == "failed")
    #expect((record["error"] as? String)?.contains("cannot move to account second") == true, "\(record)")
  }
}

/// Processes an agent leaves behind in its process group end with its run.
@Suite struct LeftoverProcessTests {
  @Test func backgroundProcessesDoNotOutliveTheRun() throws {
    let world = try LifecycleSandbox()
    let name = try world.spawn("@background work", name: "leaver", extra: ["--no-worktree"])
    #expect(try world.run(["wait", name, "--timeout", "60"]).exitCode == 0)
    let id = try #require(try world.record(name)["id"] as? String)
    #expect(
      try eventually(timeout: 10) { processes(ofAgent: id).isEmpty },
      "left: \(described(processes(ofAgent: id)))")
  }

  /// Orphans come to the supervisor (a child subreaper), so even one that left the agent's
  /// session, which no process-group or session scan finds, ends with the run.
  @Test func aBackgroundProcessInASessionOfItsOwnDoesNotOutliveTheRun() throws {
    let world = try LifecycleSandbox()
    let name = try world.spawn("@daemon work", name: "escaper", extra: ["--no-worktree"])
    #expect(try world.run(["wait", name, "--timeout", "60"]).exitCode == 0)
    let id = try #require(try world.record(name)["id"] as? String)
    #expect(
      try eventually(timeout: 10) { processes(ofAgent: id).isEmpty },
      "left: \(described(processes(ofAgent: id)))")
  }
}

/// An agent waiting for an account keeps a supervisor as its timer: a dead one is replaced.
@Suite struct WaitingForAccountReconcileTests {
  @Test func aDeadTimerIsReplacedByReconcile() throws {
    let world = try LifecycleSandbox()
    try world.openGate()
    for (label, token) in [("a", "tok-a"), ("b", "tok-b")] {
      #expect(
        try world.run(["accounts", "add", "fake", "--label", label, "--token-stdin"], input: token).exitCode
          == 0)
    }
    let name = try world.spawn("@limit work", name: "patient", extra: ["--no-worktree"])
    let waiting = try world.waitForRecord(name, "waiting_for_account") {
      $0["status"] as? String == "waiting_for_account"
    }
    let old = try #require((waiting["supervisor"] as? [String: Any])?["pid"] as? Int)
    kill(pid_t(old), SIGKILL)
    #expect(try eventually(timeout: 10) { kill(pid_t(old), 0) != 0 })
    #expect(try world.run(["reconcile"]).exitCode == 0)
    let record = try world.record(name)
    #expect(record["status"] as? String == "waiting_for_account")
    let new = try #require((record["supervisor"] as? [String: Any])?["pid"] as? Int)
    #expect(new != old)
    #expect(kill(pid_t(new), 0) == 0, "the new supervisor is not running")
    _ = try world.run(["stop", name])
  }
}
