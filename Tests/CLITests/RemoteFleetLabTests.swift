import Foundation
import ProcessKit
import TestSupport
import Testing

/// Thirty agents across the lab's three hosts, one of them the real claude (see ``HostsLabTests``):
/// one list, a host cut for 20 s mid-run and healed, an answer given meanwhile delivered once, and
/// every agent finished with the identity it was given, its branch fetched back.
@Suite(.serialized) struct RemoteFleetLabTests {
  /// Gives lab host 1 the real claude (a hard link to the cached binary, so the host's user can run
  /// it) as provider `claude-lab`, talking to `server`, next to the fake.
  static func addRealClaude(lab: String, server: FakeModelServer) throws {
    let cached = try #require(RealCLIs.path("claude"))
    let real = try FileManager.default.destinationOfSymbolicLink(atPath: cached)
    let home = "\(lab)/homes/ma-h1"
    let binary = home + "/fake/claude"
    if link(real, binary) != 0 { try FileManager.default.copyItem(atPath: real, toPath: binary) }
    let state = home + "/.local/share/multiagent/home"
    let providers = """
      {"providers": {
        "fake": {"extends": "claude", "binary": "\(home)/fake/fake-claude"},
        "claude-lab": {"extends": "claude", "binary": "\(binary)", "environment": {
          "ANTHROPIC_BASE_URL": "\(server.baseURL)", "ANTHROPIC_API_KEY": "key-lab",
          "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "CLAUDE_CODE_MAX_RETRIES": "0",
          "DISABLE_AUTOUPDATER": "1", "TZ": "UTC"}}
      }}
      """
    try providers.write(toFile: state + "/providers.json", atomically: true, encoding: .utf8)
    let chown = try ProcessRunner().run(
      "chown", arguments: ["-R", "ma-h1:", home + "/fake", home + "/.local"],
      environment: ["PATH": "/usr/bin:/bin"])
    try #require(chown.exit == .exited(0), "\(chown.standardErrorText)")
  }

  /// `list --json` by name, and the time it took.
  static func list(_ sandbox: CLISandbox) throws -> [String: [String: Any]] {
    try RemoteAgentsLabTests.list(sandbox)
  }

  @Test(
    .enabled(if: HostsLabTests.skipReason == nil, Comment(rawValue: HostsLabTests.skipReason ?? "")),
    .enabled(if: RealCLIs.hasClaude, RealCLIs.skipReason))
  func thirtyAgentsOnThreeHostsSurviveACutAndFinishWithTheirIdentities() throws {
    try HostsLabTests.withLab { lab in
      let sandbox = try CLISandbox()
      let repository = sandbox.root.path("repo")
      try GitRepository.create(at: repository)
      let server = try FakeModelServer(
        script: #"{"keys": {"key-lab": ["# + RealCLIWorld.doneStep("made on h1 by claude")
          + #", {"text": "Done."}]}}"#,
        directory: sandbox.root.url, host: "10.77.1.1")
      defer { server.stop() }
      for n in 1...3 {
        try HostsLabTests.addHost(n, to: sandbox, lab: lab)
        try RemoteAgentsLabTests.prepareHost(n, lab: lab)
      }
      try Self.addRealClaude(lab: lab, server: server)

      // 10 a host: h1 nine quick fakes and the real claude; h2 one that asks and nine held at a gate
      // (running through the cut); h3 ten quick fakes.
      var ids: [String: String] = [:]
      var plan: [(host: String, name: String, provider: String, prompt: String)] = []
      for i in 1...9 { plan.append(("h1", "a\(i)", "fake", "work \(i)")) }
      plan.append(("h1", "claude1", "claude-lab", "Write the done signal."))
      plan.append(("h2", "asker", "fake", "@ask which color"))
      for i in 1...9 { plan.append(("h2", "b\(i)", "fake", "@gate work \(i)")) }
      for i in 1...10 { plan.append(("h3", "c\(i)", "fake", "work \(i)")) }
      for agent in plan {
        let spawned = try sandbox.run([
          "--json", "spawn", "--host", agent.host, "--provider", agent.provider, "--cwd", repository,
          "--name", agent.name, agent.prompt,
        ])
        try #require(spawned.exitCode == 0, "spawn \(agent.name): \(spawned.stderr)")
        ids[agent.name] = try #require(try spawned.jsonObject()["id"] as? String)
      }
      let all = try Self.list(sandbox)
      #expect(all.count == 30)
      for agent in plan { #expect(all[agent.name]?["host"] as? String == agent.host, "\(agent.name)") }
      #expect(try sandbox.run(["wait", "asker", "--timeout", "60"]).exitCode == 3)

      try cutAnswerAndHeal(sandbox, lab: lab, plan: plan)

      for agent in plan {
        let waited = try sandbox.run(["--json", "wait", agent.name, "--timeout", "120"])
        #expect(waited.exitCode == 0, "\(agent.name): \(waited.stdout) \(waited.stderr)")
        let record = try waited.jsonObject()
        #expect(record["id"] as? String == ids[agent.name], "\(agent.name) keeps its identity")
        #expect(record["status"] as? String == "completed", "\(agent.name): \(record)")
      }
      let branches = try GitRepository.git(["branch", "--list", "multiagent/*"], in: repository)
      for agent in plan where agent.provider == "fake" && agent.name != "asker" {
        #expect(branches.contains("multiagent/\(agent.name)\n"), "\(agent.name)'s branch came back")
      }
      let answered = try GitRepository.git(["show", "multiagent/asker:answered.txt"], in: repository)
      #expect(answered.components(separatedBy: "blue, given during the cut").count == 2, "\(answered)")
      let claude = try sandbox.run(["--json", "show", "claude1"]).jsonObject()
      #expect(claude["result"] as? String == "made on h1 by claude", "\(claude)")
      #expect(try server.requests().contains { $0["key"]?.stringValue == "key-lab" })

      try killedAgentCrashesWithinOneReconcile(sandbox, lab: lab, repository: repository)
      try autoHostFollowAndForwardedOptions(sandbox, repository: repository)
    }
  }

  /// Cuts h2 while its agents run: they are unreachable within 10 s and the others untouched; an
  /// answer given meanwhile is kept; after 20 s the gate opens and h2 heals.
  func cutAnswerAndHeal(
    _ sandbox: CLISandbox, lab: String, plan: [(host: String, name: String, provider: String, prompt: String)]
  ) throws {
    #expect(try HostsLabTests.lab(["cut", "h2"]).exit == .exited(0))
    let cut = Date()
    var during: [String: [String: Any]] = [:]
    repeat {
      during = try Self.list(sandbox)
    } while Date().timeIntervalSince(cut) < 10
      && plan.contains { $0.host == "h2" && during[$0.name]?["status"] as? String != "unreachable" }
    #expect(Date().timeIntervalSince(cut) < 10, "h2's agents unreachable within 10 s")
    for agent in plan {
      let status = during[agent.name]?["status"] as? String
      if agent.host == "h2" {
        #expect(status == "unreachable", "\(agent.name): \(String(describing: status))")
      } else {
        #expect(status != "unreachable", "\(agent.name) on \(agent.host) is untouched")
      }
    }
    let answered = try sandbox.run(["answer", "asker", "--answer", "q1=blue, given during the cut"])
    #expect(answered.exitCode == 0 && answered.stderr.contains("kept here"), "\(answered.stderr)")
    Thread.sleep(forTimeInterval: max(0, 20 - Date().timeIntervalSince(cut)))
    try Data().write(to: URL(fileURLWithPath: lab + "/homes/ma-h2/fake/gate"))
    #expect(try HostsLabTests.lab(["heal", "h2"]).exit == .exited(0))
  }

  /// `spawn --host auto` picks a host with fewer agents than a busy one; `--follow` prints the log
  /// and exits as `wait`; `--fallback` and `--max-running` reach the host's spawn.
  func autoHostFollowAndForwardedOptions(_ sandbox: CLISandbox, repository: String) throws {
    let busy = try sandbox.run([
      "spawn", "--host", "h1", "--provider", "fake", "--cwd", repository, "--name", "busy", "@gate held",
    ])
    try #require(busy.exitCode == 0, "\(busy.stderr)")
    let followed = try sandbox.run([
      "spawn", "--host", "auto", "--provider", "fake", "--cwd", repository, "--name", "picked",
      "--fallback", "codex", "--max-running", "4", "--follow", "--timeout", "60",
      "work on the least busy host",
    ])
    #expect(followed.exitCode == 0, "\(followed.stdout) \(followed.stderr)")
    #expect(
      followed.stdout.hasPrefix("picked\n") && followed.stdout.contains("committed remote.txt"),
      "\(followed.stdout)")
    let picked = try sandbox.run(["--json", "show", "picked"]).jsonObject()
    #expect(picked["host"] as? String != "h1" && picked["host"] is String, "\(picked)")
    #expect(picked["fallback"] as? [String] == ["codex"], "\(picked)")
    #expect(try sandbox.run(["stop", "busy"]).exitCode == 0)
    let reserved = try sandbox.run(["hosts", "add", "auto", "--ssh", "me@127.0.0.1"])
    #expect(reserved.exitCode != 0 && reserved.stderr.contains("picks a host"), "\(reserved.stderr)")
  }

  /// `kill -9` of an agent's supervisor and CLI on its host: crashed at the next look (the host's
  /// reconcile, which checks pid, start time and spawn id, so a reused pid cannot pass for it).
  func killedAgentCrashesWithinOneReconcile(_ sandbox: CLISandbox, lab: String, repository: String) throws {
    try? FileManager.default.removeItem(atPath: lab + "/homes/ma-h3/fake/gate")
    let spawned = try sandbox.run([
      "--json", "spawn", "--host", "h3", "--provider", "fake", "--cwd", repository, "--name", "doomed",
      "@gate forever",
    ])
    try #require(spawned.exitCode == 0, "\(spawned.stderr)")
    var record: [String: Any] = [:]
    let deadline = Date().addingTimeInterval(60)
    repeat {
      record = try sandbox.run(["--json", "show", "doomed"]).jsonObject()
    } while record["status"] as? String != "running" && Date() < deadline
    let supervisor = try #require((record["supervisor"] as? [String: Any])?["pid"] as? Int, "\(record)")
    let cli = try #require((record["cli"] as? [String: Any])?["pid"] as? Int, "\(record)")
    let killed = try ProcessRunner().run(
      "kill", arguments: ["-9", String(supervisor), String(cli)], environment: ["PATH": "/usr/bin:/bin"])
    #expect(killed.exit == .exited(0), "\(killed.standardErrorText)")
    let after = try sandbox.run(["--json", "show", "doomed"]).jsonObject()
    #expect(after["status"] as? String == "crashed", "\(after)")
    #expect(try sandbox.run(["wait", "doomed", "--timeout", "10"]).exitCode == 1)
  }
}
