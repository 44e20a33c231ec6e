import Foundation
import ProcessKit
import TestSupport
import Testing

/// One view across hosts, against the CI lab (see ``HostsLabTests``): remote agents' events and
/// logs ingested from the hosts' spools — each event once, across controller restarts (every CLI
/// run is a fresh process) and a cut — and `wait --any|--all` over local and remote agents.
@Suite(.serialized) struct RemoteObservationLabTests {
  /// `--json events` as (host, agent, id) triples of the remote events, with their records.
  static func remoteEvents(_ sandbox: CLISandbox, _ extra: [String] = []) throws -> (
    keys: [String], events: [[String: Any]], stderr: String
  ) {
    let result = try sandbox.run(["--json", "events"] + extra)
    #expect(result.exitCode == 0, "\(result.stderr)")
    let events = try result.stdout.split(separator: "\n").map { line in
      try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }.filter { $0["host"] != nil }
    let keys = events.map { "\($0["host"]!)/\($0["agent"]!)/\($0["id"]!)" }
    return (keys, events, result.stderr)
  }

  /// The host's own log of agent `id` on lab host `n`.
  static func hostLog(_ lab: String, host n: Int, id: String) throws -> String {
    try String(
      contentsOfFile: "\(lab)/homes/ma-h\(n)/.local/share/multiagent/home/agents/\(id)/output.log",
      encoding: .utf8)
  }

  @Test(.enabled(if: HostsLabTests.skipReason == nil, Comment(rawValue: HostsLabTests.skipReason ?? "")))
  func remoteEventsAndLogsAreIngestedOnceThroughRestartsAndACut() throws {
    try HostsLabTests.withLab { lab in
      let world = try LifecycleSandbox()
      let sandbox = world.sandbox
      for n in 1...2 {
        try HostsLabTests.addHost(n, to: sandbox, lab: lab)
        try RemoteAgentsLabTests.prepareHost(n, lab: lab)
      }
      try? FileManager.default.removeItem(atPath: lab + "/homes/ma-h2/fake/gate")
      let spawn = { (host: String, name: String, prompt: String) throws -> String in
        let result = try sandbox.run([
          "--json", "spawn", "--host", host, "--provider", "fake", "--cwd", world.repository, "--name", name,
          prompt,
        ])
        try #require(result.exitCode == 0, "spawn \(name) on \(host): \(result.stderr)")
        return try #require(try result.jsonObject()["id"] as? String)
      }
      let r1 = try spawn("h1", "r1", "do the work")
      let r2 = try spawn("h2", "r2", "@gate wait, then work")
      #expect(try sandbox.run(["wait", "r1", "--timeout", "60"]).exitCode == 0)

      let first = try Self.remoteEvents(sandbox)
      #expect(Set(first.keys).count == first.keys.count, "duplicates: \(first.keys)")
      let r1Statuses = first.events.filter { $0["agent"] as? String == "r1" }.compactMap {
        $0["to_status"] as? String
      }
      #expect(r1Statuses.last == "completed" && r1Statuses.contains("running"), "\(r1Statuses)")
      #expect(
        first.events.allSatisfy { ($0["host"] as? String) == ($0["agent"] as? String == "r1" ? "h1" : "h2") })
      // A fresh controller process ingests again: nothing new, nothing twice.
      #expect(try Self.remoteEvents(sandbox).keys == first.keys)
      try logsAreTheHosts(sandbox, lab: lab, id: r1)
      try cutAndHeal(sandbox, lab: lab, before: first.keys, id: r2)
      let tree = try sandbox.run(["tree"])
      #expect(
        tree.stdout.contains("r1 (completed, on h1)\n") && tree.stdout.contains("r2 (completed, on h2)\n"))
      #expect(try sandbox.run(["tree", "r2"]).stdout == "r2 (completed, on h2)\n")
      let treeJSON = try sandbox.run(["--json", "tree", "r1"]).jsonObject()
      #expect(treeJSON["host"] as? String == "h1" && (treeJSON["children"] as? [Any])?.isEmpty == true)
      try waitAnyAndAll(world, lab: lab, spawn: spawn)
    }
  }

  /// `logs r1 --raw` is byte for byte the host's log, also after its copy was cut short; parsed logs
  /// are the same once or followed, every line's offset in order.
  func logsAreTheHosts(_ sandbox: CLISandbox, lab: String, id r1: String) throws {
    let raw = try sandbox.run(["logs", "r1", "--raw"])
    let hostLog1 = try Self.hostLog(lab, host: 1, id: r1)
    #expect(raw.exitCode == 0 && raw.stdout == hostLog1, "\(raw.stderr)")
    #expect(raw.stdout.contains("committed remote.txt"))
    // Parsed by the host, from offsets: the same once or followed, every line's offset in order.
    let parsed = try sandbox.run(["logs", "r1"])
    #expect(parsed.exitCode == 0 && parsed.stdout.contains("committed remote.txt"), "\(parsed.stderr)")
    #expect(try sandbox.run(["logs", "r1", "--follow"]).stdout == parsed.stdout)
    let offsets = try sandbox.run(["--json", "logs", "r1"]).stdout.split(separator: "\n").map { line in
      try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])["offset"]
        as? Int
    }
    let known = offsets.compactMap { $0 }
    #expect(!known.isEmpty && known.count == offsets.count && known == known.sorted(), "\(offsets)")
    let mode = try FileManager.default.attributesOfItem(
      atPath: sandbox.home + "/remote/h1/\(r1)/output.log")
    #expect((mode[.posixPermissions] as? Int) == 0o600)
    // A copy cut short (a crash mid-write) is completed from its own length, nothing repeated.
    let copy = try FileHandle(
      forWritingTo: URL(fileURLWithPath: sandbox.home + "/remote/h1/\(r1)/output.log"))
    try copy.truncate(atOffset: UInt64(hostLog1.utf8.count / 2))
    try copy.close()
    #expect(try sandbox.run(["logs", "r1", "--raw"]).stdout == hostLog1)
  }

  /// h2 is cut while r2 finishes there: its events wait, the rest is shown; after the heal, each
  /// once, and its logs as the host's.
  func cutAndHeal(_ sandbox: CLISandbox, lab: String, before first: [String], id r2: String) throws {
    #expect(try HostsLabTests.lab(["cut", "h2"]).exit == .exited(0))
    try Data().write(to: URL(fileURLWithPath: lab + "/homes/ma-h2/fake/gate"))
    let cut = try Self.remoteEvents(sandbox)
    #expect(cut.stderr.contains("h2") && Set(cut.keys).isSuperset(of: first), "\(cut.stderr)")
    #expect(try HostsLabTests.lab(["heal", "h2"]).exit == .exited(0))
    #expect(try sandbox.run(["wait", "r2", "--timeout", "60"]).exitCode == 0)
    let healed = try Self.remoteEvents(sandbox)
    #expect(Set(healed.keys).count == healed.keys.count, "duplicates: \(healed.keys)")
    let r2Statuses = healed.events.filter { $0["agent"] as? String == "r2" }.compactMap {
      $0["to_status"] as? String
    }
    #expect(r2Statuses.last == "completed", "\(r2Statuses)")
    let hostLog2 = try Self.hostLog(lab, host: 2, id: r2)
    #expect(try sandbox.run(["logs", "r2", "--raw", "--follow"]).stdout == hostLog2)
    #expect(
      try sandbox.run(["logs", "r2", "--follow"]).stdout == (try sandbox.run(["logs", "r2"])).stdout)
    // Followed, one finished agent's events end with it.
    let followed = try sandbox.run(["--json", "events", "--follow", "--agent", "r2"])
    #expect(
      followed.exitCode == 0
        && followed.stdout.split(separator: "\n").count
          == healed.events.filter { $0["agent"] as? String == "r2" }.count,
      "\(followed.stdout)")
  }

  /// `wait --any` returns with the remote agent that finished first; `--all` waits for a local one too.
  func waitAnyAndAll(_ world: LifecycleSandbox, lab: String, spawn: (String, String, String) throws -> String)
    throws
  {
    let sandbox = world.sandbox
    try? FileManager.default.removeItem(atPath: lab + "/homes/ma-h1/fake/gate")
    try? FileManager.default.removeItem(atPath: lab + "/homes/ma-h2/fake/gate")
    _ = try spawn("h1", "r3", "@gate one")
    _ = try spawn("h2", "r4", "@gate two")
    let local = try sandbox.run([
      "spawn", "--provider", "fake", "--no-worktree", "--cwd", world.repository, "--name", "l1",
      "@gate local",
    ])
    try #require(local.exitCode == 0, "\(local.stderr)")
    let none = try sandbox.run(["wait", "--any", "l1", "r3", "r4", "--timeout", "2"])
    #expect(none.exitCode == 124 && none.stderr.contains("none of l1, r3, r4"), "\(none.stderr)")
    try Data().write(to: URL(fileURLWithPath: lab + "/homes/ma-h1/fake/gate"))
    let any = try sandbox.run(["wait", "--any", "l1", "r4", "r3", "--timeout", "60"])
    #expect(any.exitCode == 0 && any.stdout == "r3 completed\n", "\(any.stdout) \(any.stderr)")
    try Data().write(to: URL(fileURLWithPath: lab + "/homes/ma-h2/fake/gate"))
    try Data().write(to: URL(fileURLWithPath: world.gate))
    let all = try sandbox.run(["--json", "wait", "--all", "l1", "r3", "r4", "--timeout", "60"])
    #expect(all.exitCode == 0, "\(all.stdout) \(all.stderr)")
    let records = try all.jsonArray()
    #expect(records.map { $0["name"] as? String } == ["l1", "r3", "r4"])
    #expect(records.map { $0["host"] as? String } == [nil, "h1", "h2"])
    #expect(records.allSatisfy { $0["status"] as? String == "completed" })
  }
}
