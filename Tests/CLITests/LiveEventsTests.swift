import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
  import Glibc
#endif

/// A `multiagent` command running in the background, its standard output going to a file.
private final class BackgroundCommand {
  let process = Process()
  let outputPath: String
  private let scratch: TemporaryDirectory
  private let output: FileHandle

  /// Starts `multiagent --home <home> arguments…` in the sandbox's environment.
  init(_ world: LifecycleSandbox, _ arguments: [String]) throws {
    scratch = try TemporaryDirectory(prefix: "live-events")
    outputPath = scratch.path("stdout")
    _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
    output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
    process.executableURL = try CLIRunner.executable()
    process.arguments = ["--home", world.home] + arguments
    process.environment = world.sandbox.environment
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
  }

  deinit {
    if process.isRunning { process.terminate() }
    try? output.close()
  }

  /// What it printed so far.
  var stdout: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

  /// The complete lines printed so far, each parsed as a JSON object (others are left out).
  var jsonLines: [[String: Any]] {
    stdout.split(separator: "\n").compactMap {
      try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
  }

  /// Ends it (SIGTERM) and waits for it.
  func stop() {
    if process.isRunning { process.terminate() }
    process.waitUntilExit()
  }

  /// Waits up to `timeout` seconds for it to exit by itself; whether it did.
  func waitForExit(timeout: TimeInterval) -> Bool {
    eventually(timeout: timeout) { !process.isRunning }
  }
}

/// `events --follow` heartbeats and `child_completed`, and a parent's `logs --follow` with its
/// children's lines.
@Suite struct LiveEventsTests {
  @Test func eventsFollowEmitsHeartbeatsEveryFiveSeconds() throws {
    let world = try LifecycleSandbox()
    let name = try world.spawn("@gate beat", name: "beat", extra: ["--no-worktree"])
    let id = try #require(try world.waitUntilRunning(name)["id"] as? String)
    let follower = try BackgroundCommand(world, ["--json", "events", "--follow"])
    usleep(12_000_000)
    follower.stop()
    try world.openGate()

    let lines = follower.jsonLines
    #expect(!lines.isEmpty)
    #expect(lines.allSatisfy { $0["type"] is String }, "\(lines)")
    let beats = lines.filter { $0["type"] as? String == "heartbeat" && $0["agent_id"] as? String == id }
    #expect(beats.count >= 2, "\(follower.stdout)")
    for beat in beats {
      #expect(beat["agent"] as? String == name)
      #expect(beat["status"] as? String == "running")
      #expect(beat["parent_id"] is NSNull)
      #expect((beat["age_seconds"] as? Int).map { $0 >= 0 } == true)
    }
    let times = beats.compactMap { jsonTime($0["time"]) }
    #expect(times.count == beats.count, "every heartbeat has an ISO-8601 time: \(beats)")
    for (earlier, later) in zip(times, times.dropFirst()) {
      #expect((3.0...8.0).contains(later - earlier), "heartbeats \(later - earlier)s apart")
    }
    // Heartbeats are never stored.
    let stored = try world.run(["--json", "events"]).jsonLines()
    #expect(!stored.contains { $0["type"] as? String == "heartbeat" })
  }

  @Test func parentLogsFollowShowsChildrenAndEventsReportChildCompletion() throws {
    let family = try SubAgentSandbox()
    let world = family.world
    let lead = try family.spawnParent("lead", children: ["kid-a"])
    let leadID = try #require(try world.waitUntilRunning(lead)["id"] as? String)
    _ = try family.waitForChildren(["kid-a"])
    let events = try BackgroundCommand(world, ["--json", "events", "--follow"])
    let logs = try BackgroundCommand(world, ["logs", lead, "--follow"])
    let jsonLogs = try BackgroundCommand(world, ["--json", "logs", lead, "--follow"])
    #expect(eventually(timeout: 10) { logs.stdout.contains("[kid-a] working on: @gate child kid-a") })

    // A child spawned while following shows up too; this one fails.
    _ = try world.spawn("@fail late", name: "late", extra: ["--no-worktree", "--parent", lead])
    try world.waitForRecord("late", "failed") { $0["status"] as? String == "failed" }
    try world.openGate()
    try world.waitForRecord("kid-a", "completed") { $0["status"] as? String == "completed" }
    try family.openParentGate()
    try world.waitForRecord(lead, "completed") { $0["status"] as? String == "completed" }
    #expect(logs.waitForExit(timeout: 10), "logs --follow did not end: \(logs.stdout)")
    #expect(jsonLogs.waitForExit(timeout: 10), "logs --follow --json did not end")
    #expect(
      eventually(timeout: 5) {
        events.jsonLines.filter { $0["type"] as? String == "child_completed" }.count >= 2
      })
    events.stop()

    let text = logs.stdout
    #expect(text.contains("[kid-a] past the gate"), "\(text)")
    #expect(text.contains("[late] working on: @fail late"), "\(text)")
    #expect(text.contains("spawned: kid-a"), "the parent's own lines: \(text)")
    #expect(!text.contains("[lead]"), "\(text)")
    let objects = jsonLogs.jsonLines
    #expect(
      objects.contains { $0["agent"] as? String == "kid-a" && $0["text"] as? String == "past the gate" })
    #expect(objects.contains { $0["agent"] == nil && $0["type"] as? String == "session_started" })

    let completions = events.jsonLines.filter { $0["type"] as? String == "child_completed" }
    let kid = try #require(completions.first { $0["child"] as? String == "kid-a" }, "\(completions)")
    #expect(kid["agent_id"] as? String == leadID)
    #expect(kid["agent"] as? String == lead)
    #expect(kid["status"] as? String == "completed")
    #expect(kid["child_id"] as? String == (try world.record("kid-a")["id"] as? String))
    #expect(kid["error"] is NSNull)
    let late = try #require(completions.first { $0["child"] as? String == "late" }, "\(completions)")
    #expect(late["agent_id"] as? String == leadID)
    #expect(late["status"] as? String == "failed")
    #expect((late["error"] as? String)?.isEmpty == false, "\(late)")
    // The lead has no parent: no child_completed for it.
    #expect(!completions.contains { $0["child"] as? String == lead })
  }
}
