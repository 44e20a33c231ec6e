import Foundation
import TestSupport
import Testing

@testable import MultiAgent

/// A `spawn --wait` waits on its supervisor's socket until the supervisor closes it; the pidfds of
/// the CLIs the supervisor sends along the way (so the wait is awake when a CLI exits) never end
/// the wait by themselves — not when a CLI exits, and not when its settling takes longer than the
/// wait stays awake.
@Suite struct PendingSupervisorWaitTests {
  /// A stand-in supervisor: reads the word from descriptor 3, runs two short CLIs one after the
  /// other (as after a failover) sending each one's pidfd, notes each run's end and then the
  /// settlement in the file named by its argument, and only then closes the socket.
  static let standIn = """
    import os, socket, subprocess, sys, time
    sock = socket.socket(fileno=3)
    word = b""
    while not word.endswith(b"\\n"):
        chunk = sock.recv(16)
        if not chunk:
            sys.exit(0)
        word += chunk
    notes = open(sys.argv[1], "a")
    for run in range(2):
        cli = subprocess.Popen(["sleep", "0.2"])
        pidfd = os.pidfd_open(cli.pid)
        socket.send_fds(sock, [b"x"], [pidfd])
        os.close(pidfd)
        cli.wait()
        time.sleep(0.1)
        notes.write(f"run {run} ended\\n")
        notes.flush()
    notes.write("settled\\n")
    notes.close()
    sock.close()
    """

  @Test func theWaitEndsWhenTheSupervisorClosesItsSocketNotWhenACLIExits() throws {
    let folder = try TemporaryDirectory(prefix: "pending-wait")
    let notes = folder.path("notes")
    let pending = try #require(
      PendingSupervisor.launch(
        agentID: "a1", executable: "/usr/bin/env", arguments: ["python3", "-c", Self.standIn, notes],
        environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]))
    #expect(pending.go())
    #expect(pending.waitUntilSettled(timeout: .seconds(60)))
    #expect((try? String(contentsOfFile: notes, encoding: .utf8)) == "run 0 ended\nrun 1 ended\nsettled\n")
  }

  @Test func aWaitWithATimeoutGivesUpWhileTheCLIRuns() throws {
    let folder = try TemporaryDirectory(prefix: "pending-timeout")
    let notes = folder.path("notes")
    let pending = try #require(
      PendingSupervisor.launch(
        agentID: "a2", executable: "/usr/bin/env", arguments: ["python3", "-c", Self.standIn, notes],
        environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]))
    #expect(pending.go())
    #expect(!pending.waitUntilSettled(timeout: .milliseconds(100)))
    #expect(pending.waitUntilSettled(timeout: .seconds(60)))
    #expect((try? String(contentsOfFile: notes, encoding: .utf8))?.hasSuffix("settled\n") == true)
  }

  /// Launched to be reaped by its caller, a supervisor told to leave stays a zombie until the
  /// caller reaps it or asks for ``PendingSupervisor/reapInBackground()``, which does.
  @Test func aSupervisorReapedByItsCallerIsReapedInTheBackgroundWhenAsked() throws {
    let folder = try TemporaryDirectory(prefix: "pending-reap")
    let pending = try #require(
      PendingSupervisor.launch(
        agentID: "a3", executable: "/usr/bin/env",
        arguments: ["python3", "-c", Self.standIn, folder.path("notes")],
        environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"],
        reaping: .byCaller))
    let pid = pending.identity.pid
    pending.cancel()
    #expect(Self.waitFor { Self.state(of: pid) == "Z" }, "the supervisor left and nothing reaped it")
    pending.reapInBackground()
    #expect(Self.waitFor { Self.state(of: pid) == nil }, "still \(Self.state(of: pid) ?? "gone")")
    pending.reapInBackground()  // once is enough; a second call starts nothing
  }

  /// The state letter of `pid` (`Z` for a zombie); `nil` when there is no such process.
  private static func state(of pid: Int32) -> String? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = stat.lastIndex(of: ")")
    else { return nil }
    return stat[stat.index(after: close)...].split(separator: " ").first.map(String.init)
  }

  private static func waitFor(_ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(30)
    while !condition() {
      if Date() > deadline { return false }
      usleep(10_000)
    }
    return true
  }
}
