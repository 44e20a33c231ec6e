import Foundation
import Testing
import TestSupport

/// `multiagent doctor` names what needs action — a CLI that is used but missing, an expired
/// credential, a worktree no agent owns — with a fix for each, and exits 1; a healthy home exits 0.
@Suite struct DoctorTests {
  @Test func aHealthyHomeIsAllGood() throws {
    let sandbox = try CLISandbox()
    let doctor = try sandbox.run(["doctor", "--timeout", "5"])
    #expect(doctor.exitCode == 0, "\(doctor.stdout) \(doctor.stderr)")
    #expect(doctor.stdout.contains("all good"))
    #expect(doctor.stdout.contains("claude: not installed"), "a CLI nobody uses is only mentioned")
  }

  @Test func aMissingCLIAnExpiredCredentialAndAnOrphanedWorktreeAreFlagged() throws {
    let world = try LifecycleSandbox()
    // An expired Claude login with no refresh token, as an account.
    let expired = world.sandbox.root.path("expired.json")
    let then = Int64((Date().timeIntervalSince1970 - 3600) * 1000)
    try
      #"{"claudeAiOauth":{"accessToken":"sk-ant-oat01-old","refreshToken":"","expiresAt":\#(then),"scopes":["user:inference"]}}"#
      .write(toFile: expired, atomically: true, encoding: .utf8)
    let added = try world.run([
      "accounts", "add", "claude", "--label", "stale", "--credentials-file", expired,
    ])
    #expect(added.exitCode == 0, "\(added.stderr)")
    // A worktree folder no agent owns.
    try FileManager.default.createDirectory(
      atPath: world.home + "/worktrees/left-behind", withIntermediateDirectories: true)

    let doctor = try world.run(["doctor", "--timeout", "5"])
    #expect(doctor.exitCode == 1, "\(doctor.stdout) \(doctor.stderr)")
    #expect(
      doctor.stdout.contains("ghost: its CLI `ghost-cli-that-is-not-installed` is not installed"),
      "\(doctor.stdout)")
    #expect(doctor.stdout.contains("claude/stale: its credentials in"), "\(doctor.stdout)")
    #expect(doctor.stdout.contains("left-behind: no agent owns this worktree"), "\(doctor.stdout)")
    #expect(doctor.stdout.contains("fix: "))
    #expect(!doctor.stdout.contains("sk-ant-oat01-old"), "no secret in the report")

    let json = try world.run(["--json", "doctor", "--timeout", "5"])
    #expect(json.exitCode == 1)
    let object = try json.jsonObject()
    #expect(object["needs_action"] as? Bool == true)
    let findings = try #require(object["findings"] as? [[String: Any]])
    let problems = findings.filter { $0["severity"] as? String == "problem" }
    // The sandbox made the home folder itself, with the default mode: that is flagged too.
    #expect(
      Set(problems.compactMap { $0["area"] as? String }) == ["provider", "account", "worktree", "home"],
      "\(problems)")
    #expect(problems.contains { ($0["fix"] as? String) == "chmod 700 \(world.home)" })
    #expect(problems.allSatisfy { ($0["fix"] as? String)?.isEmpty == false })
    #expect(findings.contains { $0["subject"] as? String == "fake" && $0["severity"] as? String == "ok" })

    // Inside an agent: accounts are the user's alone.
    let asAgent = try world.sandbox.run(
      ["doctor"], extraEnvironment: ["MULTIAGENT_AGENT_ID": "x", "MULTIAGENT_TOKEN": "y"])
    #expect(asAgent.exitCode == 77)
  }
}
