import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
  import Glibc
#endif

/// `stop`, `delete`, crash recovery (`reconcile`) and `cleanup`: what happens to processes and files.
@Suite struct LifecycleProcessTests {
  @Test func stopEndsTheWholeProcessGroupAndKeepsTheWorktree() throws {
    let world = try LifecycleSandbox()
    let name = try world.spawn("@gate forever", name: "stoppable")
    let record = try world.waitUntilRunning(name)
    let id = try #require(record["id"] as? String)
    #expect(!processes(ofAgent: id).isEmpty)

    let stopped = try world.run(["stop", name])
    #expect(stopped.exitCode == 0, "\(stopped.stderr)")
    #expect(eventually { processes(ofAgent: id).isEmpty }, "processes left: \(processes(ofAgent: id))")
    let after = try world.record(name)
    #expect(after["status"] as? String == "stopped")
    #expect(FileManager.default.fileExists(atPath: world.home + "/worktrees/" + name))
    #expect(try world.branches().contains("multiagent/" + name))
    #expect(try world.run(["wait", name]).exitCode == 1)

    let again = try world.run(["stop", name])
    #expect(again.exitCode == 1)
    #expect(again.stderr.contains("already stopped"))
  }

  @Test func deleteRemovesWorktreeBranchLogsAndRecordButNotTheUsersBranches() throws {
    let world = try LifecycleSandbox()
    try LifecycleSandbox.git(["branch", "user-branch"], in: world.repository)
    let name = try world.spawn("work", name: "doomed")
    let kept = try world.spawn("work too", name: "kept")
    #expect(try world.run(["wait", name]).exitCode == 0)
    #expect(try world.run(["wait", kept]).exitCode == 0)
    let id = try #require(try world.record(name)["id"] as? String)
    let keptID = try #require(try world.record(kept)["id"] as? String)

    let deleted = try world.run(["delete", name])
    #expect(deleted.exitCode == 0, "\(deleted.stderr)")
    #expect(!FileManager.default.fileExists(atPath: world.home + "/worktrees/" + name))
    #expect(!FileManager.default.fileExists(atPath: world.stateDirectory(id)))
    #expect(try world.run(["show", name]).exitCode == 1)
    var branches = try world.branches()
    #expect(!branches.contains("multiagent/" + name))
    #expect(branches.contains("user-branch"))
    #expect(branches.contains("main"))

    let keepBranch = try world.run(["delete", kept, "--keep-branch"])
    #expect(keepBranch.exitCode == 0, "\(keepBranch.stderr)")
    #expect(!FileManager.default.fileExists(atPath: world.home + "/worktrees/" + kept))
    #expect(!FileManager.default.fileExists(atPath: world.stateDirectory(keptID)))
    branches = try world.branches()
    #expect(branches.contains("multiagent/" + kept))
    #expect(try world.records().isEmpty)
    #expect(try world.run(["delete", name]).exitCode == 1)
  }

  @Test func deletingARunningAgentStopsItsProcesses() throws {
    let world = try LifecycleSandbox()
    let name = try world.spawn("@gate running", name: "running-delete")
    let id = try #require(try world.waitUntilRunning(name)["id"] as? String)
    let deleted = try world.run(["delete", name])
    #expect(deleted.exitCode == 0, "\(deleted.stderr)")
    #expect(eventually { processes(ofAgent: id).isEmpty })
    #expect(try world.records().isEmpty)
    #expect(world.leftovers().agents.isEmpty)
    #expect(world.leftovers().worktrees.isEmpty)
  }

  @Test func killedSupervisorIsReplacedAndEveryByteIsParsedOnce() throws {
    let world = try LifecycleSandbox()
    let name = try world.spawn("@gate survive", name: "orphaned", extra: ["--no-worktree"])
    let record = try world.waitUntilRunning(name)
    let id = try #require(record["id"] as? String)
    let supervisor = try #require((record["supervisor"] as? [String: Any])?["pid"] as? Int)
    #expect(kill(pid_t(supervisor), SIGKILL) == 0)
    #expect(
      eventually {
        !FileManager.default.fileExists(atPath: "/proc/\(supervisor)/status") || isZombie(supervisor)
      })

    // The next command reconciles: the CLI still runs, so a new supervisor adopts it.
    let reconciled = try world.run(["reconcile"])
    #expect(reconciled.exitCode == 0)
    #expect(reconciled.stdout.contains("adopted \(name)"), "\(reconciled.stdout)")
    let adopted = try world.record(name)
    let newSupervisor = (adopted["supervisor"] as? [String: Any])?["pid"] as? Int
    #expect(newSupervisor != nil && newSupervisor != supervisor)

    try world.openGate()
    let waited = try world.run(["wait", name, "--timeout", "30"])
    #expect(waited.exitCode == 0, "\(waited.stderr)")
    let final = try world.record(name)
    #expect(final["status"] as? String == "completed")
    #expect(final["result"] as? String == "done: @gate survive")
    let log = try Data(contentsOf: URL(fileURLWithPath: world.stateDirectory(id) + "/output.log"))
    #expect(final["parse_offset"] as? Int == log.count)
    #expect(String(decoding: log, as: UTF8.self).contains("past the gate"))
  }

  @Test func killedSupervisorIsNoticedByAnyCommand() throws {
    let world = try LifecycleSandbox()
    let name = try world.spawn("@gate any command", name: "noticed", extra: ["--no-worktree"])
    let record = try world.waitUntilRunning(name)
    let supervisor = try #require((record["supervisor"] as? [String: Any])?["pid"] as? Int)
    #expect(kill(pid_t(supervisor), SIGKILL) == 0)
    #expect(
      eventually {
        !FileManager.default.fileExists(atPath: "/proc/\(supervisor)/status") || isZombie(supervisor)
      })
    #expect(try world.run(["list"]).exitCode == 0)
    let adopted = try world.record(name)
    #expect((adopted["supervisor"] as? [String: Any])?["pid"] as? Int != supervisor)
    try world.openGate()
    #expect(try world.run(["wait", name, "--timeout", "30"]).exitCode == 0)
  }

  @Test func killedCLIIsCrashedWithSignal9() throws {
    let world = try LifecycleSandbox()
    let name = try world.spawn("@gate victim", name: "victim", extra: ["--no-worktree"])
    let record = try world.waitUntilRunning(name)
    let cli = try #require((record["cli"] as? [String: Any])?["pid"] as? Int)
    #expect(kill(pid_t(cli), SIGKILL) == 0)
    let waited = try world.run(["wait", name, "--timeout", "30"])
    #expect(waited.exitCode == 1)
    #expect(waited.stdout == "crashed\n")
    let final = try world.record(name)
    #expect(final["status"] as? String == "crashed")
    #expect((final["error"] as? String)?.contains("signal 9") == true)
    #expect(final["exit_signal"] as? Int == 9)
  }

  @Test func anAgentWaitingForInputWhoseWorktreeVanishedIsCrashed() throws {
    let world = try LifecycleSandbox()
    let name = try world.spawn("@ask pick a color", name: "homeless")
    #expect(try world.run(["wait", name, "--timeout", "30"]).exitCode == 3)
    let worktree = try #require(try world.record(name)["worktree_path"] as? String)
    try FileManager.default.removeItem(atPath: worktree)
    #expect(try world.run(["list"]).exitCode == 0)
    let settled = try world.record(name)
    #expect(settled["status"] as? String == "crashed")
    #expect((settled["error"] as? String)?.contains("vanished") == true, "\(settled)")
  }

  /// The reason survives the race with the supervisor: ending the CLI first let the supervisor
  /// settle its exit ("killed by signal 15") before the vanished worktree was recorded.
  @Test func aRunningAgentWhoseWorktreeVanishedIsCrashedForThatReason() throws {
    let world = try LifecycleSandbox()
    let name = try world.spawn("@gate keep running", name: "evicted")
    let record = try world.waitUntilRunning(name)
    let worktree = try #require(record["worktree_path"] as? String)
    let id = try #require(record["id"] as? String)
    try FileManager.default.removeItem(atPath: worktree)
    #expect(try world.run(["list"]).exitCode == 0)
    #expect(try world.run(["wait", name, "--timeout", "30"]).exitCode == 1)
    let settled = try world.record(name)
    #expect(settled["status"] as? String == "crashed")
    #expect((settled["error"] as? String)?.contains("vanished") == true, "\(settled)")
    #expect(eventually { processes(ofAgent: id).isEmpty })
  }

  /// With its supervisor killed, nobody follows the log of an agent whose worktree vanished: the
  /// reconcile that crashes it parses what is left (the lines used to stay unparsed for good).
  @Test func aWorktreeVanishedUnderAnUnsupervisedAgentStillHasItsLogParsed() throws {
    let world = try LifecycleSandbox()
    let name = try world.spawn("@stream:40 @gate orphaned", name: "unwatched")
    let record = try world.waitUntilRunning(name)
    let id = try #require(record["id"] as? String)
    #expect(killRecordedProcess(record["supervisor"], supervisorOnly: true))
    usleep(500_000)
    try FileManager.default.removeItem(atPath: try #require(record["worktree_path"] as? String))
    #expect(try world.run(["list"]).exitCode == 0)
    let settled = try world.record(name)
    #expect(settled["status"] as? String == "crashed")
    #expect((settled["error"] as? String)?.contains("vanished") == true, "\(settled)")
    let size = LifecycleSandbox.fileSize(world.stateDirectory(id) + "/output.log")
    #expect(size > 0 && (settled["parse_offset"] as? Int).map(Int64.init) == size, "\(settled)")
    #expect(eventually { processes(ofAgent: id).isEmpty })
  }

  @Test func cleanupRemovesOrphansAndLeavesLiveAgentsAlone() throws {
    let world = try LifecycleSandbox()
    let live = try world.spawn("keep me", name: "live")
    #expect(try world.run(["wait", live]).exitCode == 0)
    let liveID = try #require(try world.record(live)["id"] as? String)

    let orphanWorktree = world.home + "/worktrees/orphan-tree"
    let orphanState = world.home + "/agents/00000000deadbeef"
    try FileManager.default.createDirectory(atPath: orphanWorktree, withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: orphanState, withIntermediateDirectories: true)
    let orphan = try startSleeper(environment: [
      "MULTIAGENT_AGENT_ID": "00000000feedface", "MULTIAGENT_HOME": world.home,
    ])
    let stranger = try startSleeper(environment: [
      "MULTIAGENT_AGENT_ID": "00000000cafebabe", "MULTIAGENT_HOME": world.sandbox.root.path("another-home"),
    ])
    defer {
      orphan.terminate()
      stranger.terminate()
    }

    let dryRun = try world.run(["cleanup", "--dry-run", "--json"])
    #expect(dryRun.exitCode == 0, "\(dryRun.stderr)")
    let planned = try dryRun.jsonObject()
    #expect(planned["worktrees"] as? [String] == [orphanWorktree])
    #expect(planned["state_dirs"] as? [String] == [orphanState])
    let plannedProcesses = try #require(planned["processes"] as? [[String: Any]])
    #expect(plannedProcesses.map { $0["pid"] as? Int } == [Int(orphan.processIdentifier)])
    #expect(FileManager.default.fileExists(atPath: orphanWorktree))
    #expect(FileManager.default.fileExists(atPath: orphanState))
    #expect(orphan.isRunning)

    let cleaned = try world.run(["cleanup"])
    #expect(cleaned.exitCode == 0, "\(cleaned.stderr)")
    #expect(cleaned.stdout.contains(orphanWorktree))
    #expect(cleaned.stdout.contains(orphanState))
    #expect(cleaned.stdout.contains("process \(orphan.processIdentifier)"))
    #expect(!FileManager.default.fileExists(atPath: orphanWorktree))
    #expect(!FileManager.default.fileExists(atPath: orphanState))
    #expect(eventually { !orphan.isRunning })
    #expect(stranger.isRunning)
    #expect(FileManager.default.fileExists(atPath: world.home + "/worktrees/" + live))
    #expect(FileManager.default.fileExists(atPath: world.stateDirectory(liveID)))
    #expect(try world.run(["cleanup"]).stdout == "nothing to clean up\n")
  }

  @Test func thirtyConcurrentSpawnsAndListsAllSucceed() async throws {
    let world = try LifecycleSandbox()
    let results = await withTaskGroup(of: (String, Result<CLIRunner.Result, any Error>).self) { group in
      for index in 0..<30 {
        group.addTask {
          let arguments = [
            "spawn", "--provider", "fake", "--no-worktree", "--cwd", world.repository, "--name",
            "agent-\(index)",
            "task \(index)",
          ]
          return ("spawn \(index)", Result { try world.run(arguments) })
        }
        group.addTask { ("list \(index)", Result { try world.run(["list"]) }) }
      }
      var collected: [(String, Result<CLIRunner.Result, any Error>)] = []
      for await result in group { collected.append(result) }
      return collected
    }
    #expect(results.count == 60)
    for (label, result) in results {
      switch result {
      case .success(let output):
        #expect(output.exitCode == 0, "\(label): \(output.stderr)")
        #expect(!output.stderr.lowercased().contains("locked"), "\(label): \(output.stderr)")
      case .failure(let error):
        Issue.record("\(label): \(error)")
      }
    }
    let records = try world.records()
    #expect(Set(records.compactMap { $0["name"] as? String }) == Set((0..<30).map { "agent-\($0)" }))
    #expect(
      try eventually(timeout: 60) {
        try world.records().allSatisfy { $0["status"] as? String == "completed" }
      })
  }
}

/// Starts `sleep 60` with `environment` added to this process's.
private func startSleeper(environment: [String: String]) throws -> Process {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/bin/sleep")
  process.arguments = ["60"]
  process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
  process.standardInput = FileHandle.nullDevice
  process.standardOutput = FileHandle.nullDevice
  process.standardError = FileHandle.nullDevice
  try process.run()
  return process
}

/// Whether `pid` is a zombie (exited, not reaped).
private func isZombie(_ pid: Int) -> Bool {
  guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
    let close = stat.lastIndex(of: ")")
  else { return true }
  return stat[stat.index(close, offsetBy: 2)] == "Z"
}
