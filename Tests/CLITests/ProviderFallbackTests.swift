import Foundation
import Testing
import TestSupport

/// Continuing on another provider: an agent whose provider cannot go on moves to its fallback in
/// the same worktree, with a handoff prompt, and says why.
@Suite struct ProviderFallbackTests {
  /// The lifecycle sandbox with a second provider `other` (the same fake CLI under another name)
  /// and `fake`'s only account limited.
  private func world(config: String? = nil) throws -> LifecycleSandbox {
    let world = try LifecycleSandbox()
    try world.sandbox.writeUserCatalog(
      """
      {"providers": {
        "fake": {"extends": "claude", "binary": "\(world.fakePath)"},
        "other": {"extends": "claude", "binary": "\(world.fakePath)"},
        "ghost": {"extends": "claude", "binary": "ghost-cli-that-is-not-installed"}
      }}
      """)
    if let config { try config.write(toFile: world.home + "/config.json", atomically: true, encoding: .utf8) }
    return world
  }

  private func addLimitedAccount(_ world: LifecycleSandbox) throws {
    let added = try world.run(
      ["accounts", "add", "fake", "--label", "only", "--token-stdin"], input: "tok-limited")
    #expect(added.exitCode == 0, "\(added.stderr)")
  }

  private func events(_ world: LifecycleSandbox, _ name: String) throws -> [[String: Any]] {
    try world.run(["--json", "events", "--agent", name]).stdout.split(separator: "\n").compactMap {
      try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
  }

  @Test func anAgentWhoseAccountsAreExhaustedContinuesOnItsFallback() throws {
    let world = try world()
    try addLimitedAccount(world)
    // The limited run exits at once (the gate is open); its reset is two hours away.
    try world.openGate()
    let name = try world.spawn(
      "@touch:notes.txt write the notes", name: "relay", extra: ["--fallback", "other"])
    let waited = try world.run(["wait", name, "--timeout", "60"])
    #expect(waited.exitCode == 0, "\(waited.stdout) \(waited.stderr)")

    let record = try world.record(name)
    #expect(record["status"] as? String == "completed", "\(record)")
    #expect(record["provider"] as? String == "other")
    #expect(record["fallback"] as? [String] == ["other"])
    #expect(record["account"] is NSNull, "the fallback has no accounts: the user's own environment")
    let runs = try #require(record["runs"] as? [[String: Any]])
    #expect(runs.map { $0["provider"] as? String } == ["fake", "other"], "\(runs)")
    let sessions = runs.compactMap { $0["session_id"] as? String }
    #expect(sessions.count == 2 && sessions[0] != sessions[1], "each provider keeps its own session: \(runs)")
    #expect(record["session_id"] as? String == sessions[1])

    // The second provider ran in the same worktree with a handoff prompt that carries the task and
    // names the file the first one created.
    let calls = try world.calls()
    #expect(calls.count == 2)
    #expect(calls[1].cwd == calls[0].cwd)
    let handoff = calls[1].argv.joined(separator: " ")
    #expect(handoff.contains("@touch:notes.txt write the notes"))
    #expect(handoff.contains("?? notes.txt"), "\(handoff)")
    #expect(handoff.contains("Write"), "the tool call it made: \(handoff)")
    #expect(!handoff.contains(sessions[0]), "a session id never crosses providers")

    let switched = try #require(
      try events(world, name).first { $0["type"] as? String == "provider_switched" })
    let data = try #require(switched["data"] as? [String: Any])
    #expect(data["from"] as? String == "fake" && data["to"] as? String == "other")
    #expect((data["reason"] as? String)?.contains("exhausted") == true, "\(data)")
    #expect(data["from_session_id"] as? String == sessions[0])

    // Each provider's part of the log is parsed with its own parser: both runs' texts are events.
    let logs = try world.run(["logs", name]).stdout
    #expect(logs.contains("working on: @touch:notes.txt"), "\(logs)")
    #expect(logs.contains("working on: You are taking over"), "\(logs)")
    let shown = try world.run(["show", name]).stdout
    #expect(shown.contains("continuing on other"), "\(shown)")
  }

  @Test func anAnswerWithProviderMovesItBackToItsEarlierSession() throws {
    let world = try world()
    try addLimitedAccount(world)
    try world.openGate()
    try world.keepTranscripts()
    let name = try world.spawn("@ask which color", name: "returner", extra: ["--fallback", "other"])
    #expect(try world.run(["wait", name, "--timeout", "60"]).exitCode == 3)
    #expect(try world.record(name)["provider"] as? String == "other")
    let first = try #require(
      try events(world, name).first { $0["type"] as? String == "provider_switched" }?["data"]
        as? [String: Any])
    let fakeSession = try #require(first["from_session_id"] as? String)

    // An unknown provider changes nothing.
    let unknown = try world.run(["answer", name, "--provider", "nope", "--answer", "q1=blue"])
    #expect(unknown.exitCode == 2 && unknown.stderr.contains("nope"), "\(unknown.stderr)")
    #expect(try world.record(name)["status"] as? String == "waiting_for_input")

    // With a usable account again, the user moves it back: the earlier fake session resumes with
    // what was done meanwhile and the answers.
    let added = try world.run(
      ["accounts", "add", "fake", "--label", "fine", "--token-stdin"], input: "tok-fine")
    #expect(added.exitCode == 0)
    let answered = try world.run(["answer", name, "--provider", "fake", "--answer", "q1=blue"])
    #expect(answered.exitCode == 0, "\(answered.stderr)")
    #expect(try world.run(["wait", name, "--timeout", "60"]).exitCode == 3)
    let record = try world.record(name)
    #expect(record["provider"] as? String == "fake")
    #expect(record["session_id"] as? String == fakeSession)
    let last = try #require(try world.calls().last).argv
    #expect(last.contains("--resume") && last.contains(fakeSession), "\(last)")
    let prompt = last.joined(separator: " ")
    #expect(prompt.contains("## The user's answers now") && prompt.contains("blue"), "\(prompt)")
    #expect(prompt.contains("(other)"), "what the other provider did: \(prompt)")
    let switches = try events(world, name).filter { $0["type"] as? String == "provider_switched" }
    #expect(switches.count == 2)
    let back = switches.last?["data"] as? [String: Any]
    #expect(back?["from"] as? String == "other" && back?["to"] as? String == "fake")
    #expect(back?["reason"] as? String == "the user answered on fake")
  }

  @Test func aFarResetWaitsWhenFallbackAfterIsLonger() throws {
    let world = try world(config: #"{"rotation": {"fallbackAfter": "3h"}}"#)
    try addLimitedAccount(world)
    try world.openGate()
    let name = try world.spawn("patient work", name: "patient", extra: ["--fallback", "other"])
    try world.waitForRecord(name, "waiting for an account") {
      $0["status"] as? String == "waiting_for_account"
    }
    #expect(try world.record(name)["provider"] as? String == "fake")
    #expect(try world.run(["stop", name]).exitCode == 0)
  }

  @Test func aMissingCLIContinuesOnTheConfiguredFallback() throws {
    let world = try world(config: #"{"fallback": {"ghost": ["fake"]}}"#)
    let spawned = try world.run([
      "spawn", "--provider", "ghost", "--name", "phantom", "--cwd", world.repository, "hi",
    ])
    #expect(spawned.exitCode == 0, "\(spawned.stderr)")
    #expect(try world.run(["wait", "phantom", "--timeout", "60"]).exitCode == 0)
    let record = try world.record("phantom")
    #expect(record["provider"] as? String == "fake")
    #expect(record["fallback"] as? [String] == ["fake"])
    let switched = try events(world, "phantom").first { $0["type"] as? String == "provider_switched" }
    #expect(
      (switched?["message"] as? String)?.contains("ghost-cli-that-is-not-installed") == true,
      "\(switched ?? [:])")

    // --no-fallback keeps today's answer: the CLI is not installed.
    let refused = try world.run([
      "spawn", "--provider", "ghost", "--no-fallback", "--cwd", world.repository, "hi",
    ])
    #expect(refused.exitCode == 1)
    #expect(refused.stderr.contains("not on PATH"), "\(refused.stderr)")
  }

  @Test func aRefusedLoginContinuesOnTheFallback() throws {
    let world = try world()
    let added = try world.run(
      ["accounts", "add", "fake", "--label", "stale", "--token-stdin"], input: "tok-badlogin")
    #expect(added.exitCode == 0)
    let name = try world.spawn("tidy up", name: "relogin", extra: ["--fallback", "other"])
    #expect(try world.run(["wait", name, "--timeout", "60"]).exitCode == 0)
    #expect(try world.record(name)["provider"] as? String == "other")
    let switched = try events(world, name).first { $0["type"] as? String == "provider_switched" }
    #expect((switched?["message"] as? String)?.contains("Invalid API key") == true, "\(switched ?? [:])")

    // Without a fallback the same refusal fails the agent, as before.
    let alone = try world.spawn("tidy up", name: "alone", extra: ["--no-fallback"])
    #expect(try world.run(["wait", alone, "--timeout", "60"]).exitCode == 1)
    #expect((try world.record(alone)["error"] as? String)?.contains("Invalid API key") == true)
  }

  @Test func badFallbacksAreRefusedBeforeAnythingIsMade() throws {
    let world = try world()
    let unknown = try world.run([
      "spawn", "--provider", "fake", "--fallback", "nope", "--cwd", world.repository, "x",
    ])
    #expect(unknown.exitCode != 0)
    #expect(unknown.stderr.contains("nope"), "\(unknown.stderr)")
    let own = try world.run([
      "spawn", "--provider", "fake", "--fallback", "other,fake", "--cwd", world.repository, "x",
    ])
    #expect(own.exitCode != 0)
    #expect(own.stderr.contains("the agent's own provider"), "\(own.stderr)")
    let both = try world.run(["spawn", "--provider", "fake", "--fallback", "other", "--no-fallback", "x"])
    #expect(both.exitCode == 2)
    let empty = try world.run(["spawn", "--provider", "fake", "--fallback", "other,", "x"])
    #expect(empty.exitCode == 2)
    let config = try world.world(config: #"{"fallback": {"fake": "other"}}"#)
    let invalid = try config.run(["spawn", "--provider", "fake", "--cwd", config.repository, "x"])
    #expect(invalid.exitCode != 0)
    #expect(invalid.stderr.contains("fallback.fake"), "\(invalid.stderr)")
    #expect(try world.records().isEmpty && config.records().isEmpty)
  }
}

extension LifecycleSandbox {
  fileprivate func world(config: String) throws -> LifecycleSandbox {
    let world = try LifecycleSandbox()
    try config.write(toFile: world.home + "/config.json", atomically: true, encoding: .utf8)
    return world
  }
}
