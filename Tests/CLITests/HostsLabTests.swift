import Foundation
import ProcessKit
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The CI lab (`scripts/lab/lab`): three real sshd hosts in network namespaces on this machine.
/// Enabled where the lab can run (root, `ip`, network namespaces, sshd or apt-get to install it);
/// skipped with the reason elsewhere.
@Suite(.serialized) struct HostsLabTests {
  static let script = RepositoryPaths.scripts.appending(path: "lab/lab").path

  /// Why the lab cannot run here, or nil when it can.
  static let skipReason: String? = {
    guard let output = try? lab(["check"]) else { return "lab: cannot run its script" }
    return output.exit == .exited(0)
      ? nil : output.standardOutputText.trimmingCharacters(in: .whitespacesAndNewlines)
  }()

  /// Runs `scripts/lab/lab arguments…`.
  static func lab(_ arguments: [String]) throws -> ProcessOutput {
    try ProcessRunner().run(
      script, arguments: arguments,
      environment: [
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
      ],
      timeout: .seconds(600))
  }

  /// The lab, up for the length of `body` and down afterwards; one test at a time on this machine
  /// (the namespaces and users are machine-wide), whichever worktree runs it.
  static func withLab(_ body: (String) throws -> Void) throws {
    let lock = open("/var/tmp/multiagent-lab.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
    try #require(lock >= 0)
    defer { close(lock) }
    flock(lock, LOCK_EX)
    defer { flock(lock, LOCK_UN) }
    let up = try lab(["up"])
    try #require(up.exit == .exited(0), "lab up failed: \(up.standardErrorText)")
    defer { _ = try? lab(["down"]) }
    try body(up.standardOutputText.trimmingCharacters(in: .whitespacesAndNewlines))
  }

  /// `hosts add hN` for lab host `n` (its user at 10.77.N.2, with the lab's client key).
  static func addHost(_ n: Int, to sandbox: CLISandbox, lab: String) throws {
    let added = try sandbox.run([
      "hosts", "add", "h\(n)", "--ssh", "ma-h\(n)@10.77.\(n).2", "--identity", lab + "/client/id_ed25519",
    ])
    #expect(added.exitCode == 0, "\(added.stderr)")
  }

  /// Runs the host's own multiagent on lab host `n`, as its user over SSH, with `arguments` (fixed
  /// words of the tests, joined for the remote shell); its standard output.
  static func onHost(_ n: Int, lab: String, _ arguments: [String]) throws -> String {
    let ssh = try ProcessRunner().run(
      "ssh",
      arguments: [
        "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
        "-o", "LogLevel=ERROR", "-i", lab + "/client/id_ed25519", "ma-h\(n)@10.77.\(n).2",
        "\"$HOME/.local/share/multiagent/bin/multiagent\" --home \"$HOME/.local/share/multiagent/home\" "
          + arguments.joined(separator: " "),
      ], environment: ["PATH": "/usr/bin:/bin"])
    try #require(ssh.exit == .exited(0), "\(ssh.standardErrorText)")
    return ssh.standardOutputText
  }

  /// `hosts list --json`, by host name.
  static func list(_ sandbox: CLISandbox, timeout: String = "5") throws -> [String: [String: Any]] {
    let result = try sandbox.run(["--json", "hosts", "list", "--timeout", timeout])
    #expect(result.exitCode == 0, "\(result.stderr)")
    var byName: [String: [String: Any]] = [:]
    for host in try result.jsonArray() { byName[host["name"] as? String ?? ""] = host }
    return byName
  }

  @Test(.enabled(if: skipReason == nil, Comment(rawValue: skipReason ?? "")))
  func threeHostsAnswerGetMultiagentAndACutOneIsUnreachableUntilHealed() throws {
    try Self.withLab { lab in
      let sandbox = try CLISandbox()
      for n in 1...3 {
        try HostsLabTests.addHost(n, to: sandbox, lab: lab)
      }
      let first = try Self.list(sandbox)
      for n in 1...3 {
        let host = try #require(first["h\(n)"])
        #expect(host["reachable"] as? Bool == true, "h\(n): \(host)")
        #expect(host["installed"] as? Bool == false && host["error"] is NSNull, "h\(n): \(host)")
      }

      let install = try sandbox.run(["--json", "hosts", "install", "h1"])
      #expect(install.exitCode == 0, "\(install.stderr)")
      let version = try sandbox.runWithoutHome(["--version"]).stdout.split(separator: " ").last.map {
        $0.trimmingCharacters(in: .whitespacesAndNewlines)
      }
      #expect(try install.jsonObject()["installed"] as? Bool == true)
      #expect(try install.jsonObject()["version"] as? String == version)
      let binary = lab + "/homes/ma-h1/.local/share/multiagent/bin/multiagent"
      #expect(FileManager.default.isExecutableFile(atPath: binary))
      #expect(
        try FileManager.default.attributesOfItem(atPath: binary)[.ownerAccountName] as? String == "ma-h1")
      let again = try sandbox.run(["hosts", "install", "h1"])
      #expect(again.stdout == "host h1 already has multiagent \(version ?? "?")\n")
      #expect(try Self.list(sandbox)["h1"]?["version"] as? String == version)

      try cutAndHeal(sandbox)
    }
  }

  /// Cut h2: it is unreachable with the reason, the others answer; healed, it answers again.
  func cutAndHeal(_ sandbox: CLISandbox) throws {
    #expect(try Self.lab(["cut", "h2"]).exit == .exited(0))
    let cut = try Self.list(sandbox, timeout: "3")
    #expect(cut["h2"]?["reachable"] as? Bool == false)
    let error = cut["h2"]?["error"] as? [String: Any]
    #expect(error?["code"] as? String == "unreachable")
    #expect((error?["message"] as? String)?.hasPrefix("host h2 (ma-h2@10.77.2.2) is unreachable") == true)
    #expect(cut["h1"]?["reachable"] as? Bool == true && cut["h3"]?["reachable"] as? Bool == true)
    let text = try sandbox.run(["hosts", "show", "h2", "--timeout", "3"])
    #expect(text.stdout.contains("reachable: no\n") && text.stdout.contains("error:     host h2"))

    #expect(try Self.lab(["heal", "h2"]).exit == .exited(0))
    let healed = try Self.list(sandbox)
    for n in 1...3 { #expect(healed["h\(n)"]?["reachable"] as? Bool == true, "h\(n) after heal") }
  }
}
