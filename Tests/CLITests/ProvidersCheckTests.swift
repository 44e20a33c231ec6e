import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `multiagent providers check`: version probes with a time limit.
@Suite struct ProvidersCheckTests {
  @Test func answeringCLIShowsItsVersion() throws {
    let sandbox = try CLISandbox()
    try sandbox.installFakeCLI("claude", script: #"[ "$1" = "--version" ] && echo "2.1.330 (Claude Code)""#)
    let result = try sandbox.run(["providers", "check", "claude"])
    #expect(result.exitCode == 0)
    #expect(result.stdout.contains("2.1.330 (Claude Code)"))

    let rows = try sandbox.run(["providers", "check", "claude", "--json"]).jsonArray()
    #expect(rows.count == 1)
    #expect(rows[0]["status"] as? String == "answered")
    #expect(rows[0]["version"] as? String == "2.1.330 (Claude Code)")
  }

  @Test func withoutNamesChecksInstalledCLIsAndListsTheOthers() throws {
    let sandbox = try CLISandbox()
    // Only the fake folder and the shell's: a real CLI elsewhere on the machine must not be run.
    try sandbox.installFakeCLI("gemini", script: "echo 0.9.1")
    let result = try CLIRunner.run(
      ["--home", sandbox.home, "providers", "check", "--json"],
      environment: sandbox.environment.merging(["PATH": "\(sandbox.bin):/bin"]) { $1 })
    let rows = try result.jsonArray()
    #expect(rows.count == builtinProviderNames.count)
    #expect(rows.first { $0["name"] as? String == "gemini" }?["status"] as? String == "answered")
    #expect(rows.first { $0["name"] as? String == "qwen" }?["status"] as? String == "not_installed")
    #expect(result.exitCode == 0)
  }

  @Test func failingCLIMakesCheckFail() throws {
    let sandbox = try CLISandbox()
    try sandbox.installFakeCLI("codex", script: "echo 'cannot start: missing runtime' >&2\nexit 3")
    let result = try sandbox.run(["providers", "check", "codex"])
    #expect(result.exitCode == 1)
    #expect(result.stdout.contains("exited with status 3: cannot start: missing runtime"))
    #expect(result.stderr.contains("did not answer: codex"))
  }

  @Test func namedProviderThatIsNotInstalledFails() throws {
    let sandbox = try CLISandbox()
    let result = try sandbox.run(["providers", "check", "droid", "--json"])
    #expect(result.exitCode == 1)
    #expect(try result.jsonArray().first?["status"] as? String == "not_installed")
  }

  @Test func unknownProviderIsAUsageError() throws {
    let result = try CLISandbox().run(["providers", "check", "claude", "nope"])
    #expect(result.exitCode == 2)
    #expect(result.stderr.contains("unknown provider \"nope\""))
  }

  @Test func hangingCLIIsReportedAsTimedOutAndStopped() throws {
    let sandbox = try CLISandbox()
    let pids = sandbox.root.path("pids")
    // The script starts a child, as CLI wrappers do; both must be gone after the check.
    try sandbox.installFakeCLI(
      "kimi",
      script: """
        sleep 1000 &
        echo "$$ $!" > '\(pids)'
        wait
        """)
    try sandbox.installFakeCLI("claude", script: "echo 2.0.0")
    let result = try sandbox.run(["providers", "check", "kimi", "claude", "--timeout", "1"])
    #expect(result.exitCode == 1)
    #expect(result.stdout.contains("timed out after 1s"))
    #expect(result.stdout.contains("2.0.0"))

    let recorded = try String(contentsOfFile: pids, encoding: .utf8)
    let processIDs = recorded.split(whereSeparator: \.isWhitespace).compactMap { Int32($0) }
    #expect(processIDs.count == 2)
    for pid in processIDs { #expect(waitUntilGone(pid), "process \(pid) still running") }
  }

  @Test func timedOutCheckInJSON() throws {
    let sandbox = try CLISandbox()
    try sandbox.installFakeCLI("amp", script: "exec sleep 1000")
    let result = try sandbox.run(["providers", "check", "amp", "--timeout", "0.5", "--json"])
    #expect(result.exitCode == 1)
    let row = try #require(try result.jsonArray().first)
    #expect(row["status"] as? String == "timed_out")
    #expect(row["message"] as? String == "timed out after 0.5s")
  }

  /// Whether `pid` is gone (or a zombie waiting for init) within a few seconds.
  private func waitUntilGone(_ pid: Int32) -> Bool {
    let deadline = Date().addingTimeInterval(5)
    while Date() < deadline {
      if kill(pid, 0) != 0 && errno == ESRCH { return true }
      if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")"),
        stat[stat.index(close, offsetBy: 2)] == "Z"
      {
        return true
      }
      usleep(20_000)
    }
    return false
  }
}
