import Foundation
import Testing
import TestSupport

/// Sub-agents: an agent's spawns are its children, `tree` and `list --tree` draw them, each child
/// runs with its own id and token, and stopping the parent stops the whole family.
@Suite struct SubAgentTreeTests {
  @Test func spawnsFromInsideAnAgentAreItsChildrenAndStopWithIt() throws {
    let family = try SubAgentSandbox()
    let world = family.world
    let lead = try family.spawnParent("lead", children: ["kid-a", "kid-b"])
    let leadID = try #require(try world.waitUntilRunning(lead)["id"] as? String)
    let kids = try family.waitForChildren(["kid-a", "kid-b"])
    for name in ["kid-a", "kid-b"] {
      let record = try world.record(name)
      #expect(record["parent_id"] as? String == leadID)
      #expect(record["detached_from_parent"] as? Bool == false)
    }

    let tree = try world.run(["tree"])
    #expect(tree.exitCode == 0, "\(tree.stderr)")
    #expect(tree.stdout == "lead (running)\n├─ kid-a (running)\n└─ kid-b (running)\n", "\(tree.stdout)")
    let json = try world.run(["--json", "tree", lead]).jsonObject()
    #expect(json["name"] as? String == lead)
    let children = try #require(json["children"] as? [[String: Any]])
    #expect(children.compactMap { $0["name"] as? String } == ["kid-a", "kid-b"])
    #expect(children.allSatisfy { ($0["children"] as? [Any])?.isEmpty == true })
    let all = try world.run(["--json", "tree"]).jsonArray()
    #expect(all.count == 1 && all.first?["name"] as? String == lead)
    let listed = try world.run(["list", "--tree"]).stdout.split(separator: "\n").map(String.init)
    #expect(listed.contains { $0.hasPrefix("lead ") }, "\(listed)")
    #expect(
      listed.contains { $0.hasPrefix("  kid-a ") } && listed.contains { $0.hasPrefix("  kid-b ") },
      "\(listed)")

    // Each child's CLI runs with its own id and token; no supervisor carries an agent's identity.
    let leadToken = try family.token(of: leadID)
    for id in kids.values {
      let token = try family.token(of: id)
      #expect(token.count == 64 && token != leadToken)
      // The fake CLI's shell runs short commands of its own (mkdir, mv, …) that carry the agent's
      // environment too: one found by the scan may be gone when its environment is read.
      let environments = processes(ofAgent: id).map { environment(ofProcess: $0) }.filter { !$0.isEmpty }
      #expect(!environments.isEmpty)
      for environment in environments {
        #expect(environment.contains("MULTIAGENT_TOKEN=\(token)"))
        #expect(!environment.contains("MULTIAGENT_TOKEN=\(leadToken)"))
      }
    }
    // (The children's supervisors were started by the lead's spawns, from their first instructions.)
    for pid in processes(ofAgent: leadID) + processes(withEnvironmentEntry: "MULTIAGENT_TOKEN=\(leadToken)") {
      let argv = String(
        decoding: FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data(), as: UTF8.self)
      #expect(!argv.contains("__supervise"), "a supervisor carries the lead's identity: \(argv)")
    }

    // Stopping the parent stops both children and leaves no process of any of the three.
    let stopped = try world.run(["stop", lead])
    #expect(stopped.exitCode == 0, "\(stopped.stderr)")
    #expect(stopped.stdout.contains("kid-a") && stopped.stdout.contains("kid-b"), "\(stopped.stdout)")
    for name in [lead, "kid-a", "kid-b"] {
      #expect(try world.record(name)["status"] as? String == "stopped", "\(name)")
    }
    let everyone = [leadID] + Array(kids.values)
    #expect(
      eventually(timeout: 5) { everyone.allSatisfy { processes(ofAgent: $0).isEmpty } },
      "processes left: \(everyone.flatMap(processes(ofAgent:)))")
    let again = try world.run(["stop", lead])
    #expect(again.exitCode == 1)
    #expect(again.stderr.contains("already stopped"))
  }

  @Test func theUserNamesAParentWithParentFlag() throws {
    let world = try LifecycleSandbox()
    let boss = try world.spawn("@gate boss", name: "boss", extra: ["--no-worktree"])
    let bossID = try #require(try world.waitUntilRunning(boss)["id"] as? String)
    let helper = try world.spawn("@gate helper", name: "helper", extra: ["--no-worktree", "--parent", boss])
    let solo = try world.spawn("@gate solo", name: "solo", extra: ["--no-worktree"])
    #expect(try world.record(helper)["parent_id"] as? String == bossID)
    #expect(try world.record(solo)["parent_id"] is NSNull)

    let detachedOrphan = try world.run([
      "spawn", "--provider", "fake", "--cwd", world.repository, "--detach-from-parent", "no parent",
    ])
    #expect(detachedOrphan.exitCode == 2)
    #expect(detachedOrphan.stderr.contains("--detach-from-parent needs a parent"))
    let unknownParent = try world.run([
      "spawn", "--provider", "fake", "--cwd", world.repository, "--parent", "ghost-agent", "x",
    ])
    #expect(unknownParent.exitCode == 1)

    try world.openGate()
    #expect(try world.run(["wait", boss, "--timeout", "30"]).exitCode == 0)
    let tree = try world.run(["tree", boss])
    #expect(tree.stdout.hasPrefix("boss (completed)\n└─ helper ("), "\(tree.stdout)")
    // A finished agent gets no more children.
    let late = try world.run([
      "--json", "spawn", "--provider", "fake", "--cwd", world.repository, "--parent", boss, "too late",
    ])
    #expect(late.exitCode == 1)
    #expect((try late.jsonObject()["error"] as? [String: Any])?["code"] as? String == "invalid_state")
    #expect(try world.run(["wait", helper, "--timeout", "30"]).exitCode != 124)
    #expect(try world.run(["wait", solo, "--timeout", "30"]).exitCode == 0)
  }
}
