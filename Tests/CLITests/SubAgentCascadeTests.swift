import Foundation
import Testing
import TestSupport

/// Cascades: deleting a parent deletes its descendants and their worktrees; a parent that completes
/// stops its children still running, except those spawned with `--detach-from-parent`.
@Suite struct SubAgentCascadeTests {
  @Test func deleteCascadesAndRemovesTheChildrensWorktrees() throws {
    let family = try SubAgentSandbox()
    let world = family.world
    let lead = try family.spawnParent("lead", children: ["kid-a", "kid-b=d"])
    let leadID = try #require(try world.waitUntilRunning(lead)["id"] as? String)
    let kids = try family.waitForChildren(["kid-a", "kid-b=d"])
    for name in [lead, "kid-a", "kid-b"] {
      #expect(FileManager.default.fileExists(atPath: world.home + "/worktrees/" + name))
    }
    #expect(try world.record("kid-b")["detached_from_parent"] as? Bool == true)

    let deleted = try world.run(["--json", "delete", lead])
    #expect(deleted.exitCode == 0, "\(deleted.stderr)")
    #expect(Set(try deleted.jsonObject()["descendants"] as? [String] ?? []) == ["kid-a", "kid-b"])
    #expect(try world.records().isEmpty)
    #expect(world.leftovers().agents.isEmpty)
    #expect(world.leftovers().worktrees.isEmpty)
    let branches = try world.branches()
    #expect(!branches.contains { $0.hasPrefix("multiagent/") }, "\(branches)")
    let everyone = [leadID] + Array(kids.values)
    #expect(eventually(timeout: 5) { everyone.allSatisfy { processes(ofAgent: $0).isEmpty } })
  }

  @Test func aParentThatCompletesStopsItsChildrenUnlessDetached() throws {
    let family = try SubAgentSandbox()
    let world = family.world
    // Children that do not report: the parent completes without waiting for them.
    let lead = try family.spawnParent("lead", children: ["kid-a=n", "kid-d=dn"])
    try world.waitUntilRunning(lead)
    let kids = try family.waitForChildren(["kid-a=n", "kid-d=dn"])

    try family.openParentGate()
    #expect(try world.run(["wait", lead, "--timeout", "30"]).exitCode == 0)
    let attached = try world.waitForRecord("kid-a", timeout: 20, "stopped") {
      $0["status"] as? String == "stopped"
    }
    #expect((attached["error"] as? String)?.contains("lead") == true, "\(attached)")
    #expect(eventually(timeout: 10) { processes(ofAgent: kids["kid-a"]!).isEmpty })
    #expect(try world.record("kid-d")["status"] as? String == "running")
    #expect(!processes(ofAgent: kids["kid-d"]!).isEmpty)
    let tree = try world.run(["tree"]).stdout
    #expect(tree == "lead (completed)\n├─ kid-a (stopped)\n└─ kid-d (running, detached)\n", "\(tree)")

    try world.openGate()
    #expect(try world.run(["wait", "kid-d", "--timeout", "30"]).exitCode == 0)
  }

  @Test func aParentWaitsForItsReportingChildAndHearsItsResultInItsSession() throws {
    let family = try SubAgentSandbox()
    let world = family.world
    let lead = try family.spawnParent("lead", children: ["kid-r"])
    try world.waitUntilRunning(lead)
    let kids = try family.waitForChildren(["kid-r"])
    #expect(try world.record("kid-r")["reports_to_parent"] as? Bool == true)

    // The parent's turn ends while its child runs: it stays running, waiting for the report.
    try family.openParentGate()
    try world.waitForRecord(lead, "waiting for reports") { _ in
      (try? world.run(["events", "--agent", lead]).stdout.contains("awaiting_children")) == true
    }
    #expect(try world.record(lead)["status"] as? String == "running")
    #expect(try world.record("kid-r")["status"] as? String == "running", "the child is not stopped")

    // The child completes; its report resumes the parent's session, which then completes.
    try world.openGate()
    #expect(try world.run(["wait", lead, "--timeout", "60"]).exitCode == 0)
    #expect(try world.record("kid-r")["status"] as? String == "completed")
    let parent = try world.record(lead)
    let id = try #require(parent["id"] as? String)
    let plan = try String(contentsOfFile: world.stateDirectory(id) + "/run.json", encoding: .utf8)
    #expect(plan.contains("[multiagent] child kid-r completed: done: @gate child kid-r"), "\(plan)")
    #expect(plan.contains("\"kind\":\"resume\""), "the same session resumed")
    let events = try world.run(["events", "--agent", lead]).stdout
    #expect(events.contains("child_reported") && events.contains("message_delivered"), "\(events)")
    _ = kids
  }

  @Test func aParentWaitingForReportsSurvivesItsSupervisorBeingKilled() throws {
    let family = try SubAgentSandbox()
    let world = family.world
    let lead = try family.spawnParent("lead", children: ["kid-r"])
    try world.waitUntilRunning(lead)
    _ = try family.waitForChildren(["kid-r"])
    try family.openParentGate()
    try world.waitForRecord(lead, "waiting for reports") { _ in
      (try? world.run(["events", "--agent", lead]).stdout.contains("awaiting_children")) == true
    }
    let supervisor = try #require((try world.record(lead)["supervisor"] as? [String: Any])?["pid"] as? Int)
    kill(pid_t(supervisor), SIGKILL)
    #expect(try world.run(["reconcile"]).exitCode == 0)
    #expect(try world.record(lead)["status"] as? String == "running", "not settled by reconcile")
    #expect(try world.record("kid-r")["status"] as? String == "running", "its child is not stopped")
    try world.openGate()
    #expect(try world.run(["wait", lead, "--timeout", "60"]).exitCode == 0)
    let id = try #require(try world.record(lead)["id"] as? String)
    let plan = try String(contentsOfFile: world.stateDirectory(id) + "/run.json", encoding: .utf8)
    #expect(plan.contains("[multiagent] child kid-r completed"), "\(plan)")
  }

  /// The child's supervisor killed after settling it and before reporting it (a failpoint there, as
  /// `kill -9` would): the parent waiting for the report still hears it, once, in its session.
  @Test func aReportLostWithTheChildsSupervisorIsMadeByTheParent() throws {
    let family = try SubAgentSandbox()
    let world = family.world
    let lead = try family.spawnParent(
      "lead", children: ["kid-r"], environment: ["MULTIAGENT_FAILPOINTS": "child.reporting=exit"])
    try world.waitUntilRunning(lead)
    _ = try family.waitForChildren(["kid-r"])
    try family.openParentGate()
    try world.waitForRecord(lead, "waiting for reports") { _ in
      (try? world.run(["events", "--agent", lead]).stdout.contains("awaiting_children")) == true
    }
    try world.openGate()
    #expect(try world.run(["wait", lead, "--timeout", "60"]).exitCode == 0)
    #expect(try world.record("kid-r")["status"] as? String == "completed")
    let id = try #require(try world.record(lead)["id"] as? String)
    let plan = try String(contentsOfFile: world.stateDirectory(id) + "/run.json", encoding: .utf8)
    #expect(plan.contains("[multiagent] child kid-r completed: done: @gate child kid-r"), "\(plan)")
    let events = try world.run(["--json", "events", "--agent", lead]).stdout
    #expect(events.components(separatedBy: "child_reported").count - 1 == 1, "reported once: \(events)")
  }

  /// The same loss when the child finished before its parent's turn ended: the parent, with nothing
  /// left to wait for, makes the missing report as its turn ends and resumes with it.
  @Test func aReportLostBeforeTheParentsTurnEndedIsMadeAtItsEnd() throws {
    let family = try SubAgentSandbox()
    let world = family.world
    let lead = try family.spawnParent(
      "lead", children: ["kid-r"], environment: ["MULTIAGENT_FAILPOINTS": "child.reporting=exit"])
    try world.waitUntilRunning(lead)
    _ = try family.waitForChildren(["kid-r"])
    try world.openGate()
    try world.waitForRecord("kid-r", "completed") { $0["status"] as? String == "completed" }
    try family.openParentGate()
    #expect(try world.run(["wait", lead, "--timeout", "60"]).exitCode == 0)
    let id = try #require(try world.record(lead)["id"] as? String)
    let plan = try String(contentsOfFile: world.stateDirectory(id) + "/run.json", encoding: .utf8)
    #expect(plan.contains("[multiagent] child kid-r completed: done: @gate child kid-r"), "\(plan)")
    let events = try world.run(["--json", "events", "--agent", lead]).stdout
    #expect(!events.contains("awaiting_children"), "nothing was left to wait for: \(events)")
    #expect(events.components(separatedBy: "child_reported").count - 1 == 1, "reported once: \(events)")
  }
}
