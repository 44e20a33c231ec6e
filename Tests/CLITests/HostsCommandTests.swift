import Foundation
import TestSupport
import Testing

/// `multiagent hosts` without a lab: what `add` accepts and refuses, and a host that cannot be
/// reached (a closed port on this machine) shown as unreachable with ssh's reason.
@Suite struct HostsCommandTests {
  /// A private key file (its content is never read: any bytes do).
  static func identity(in sandbox: CLISandbox, mode: Int = 0o600) throws -> String {
    let path = sandbox.root.path("id_test")
    try "not a key".write(toFile: path, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    return path
  }

  @Test func addRefusesBadNamesTargetsAndIdentityFiles() throws {
    let sandbox = try CLISandbox()
    let loose = try Self.identity(in: sandbox, mode: 0o644)
    let cases: [([String], String)] = [
      (["hosts", "add", "Bad_Name", "--ssh", "me@box"], "invalid_name"),
      (["hosts", "add", "box"], "missing_ssh"),
      (["hosts", "add", "box", "--ssh", "me@box;id"], "invalid_ssh"),
      (["hosts", "add", "box", "--ssh", "me@-oProxyCommand=x"], "invalid_ssh"),
      (["hosts", "add", "box", "--ssh", "me@box", "--port", "0"], "invalid_value"),
      (["hosts", "add", "box", "--ssh", "me@box", "--identity", loose], "invalid_identity"),
      (
        ["hosts", "add", "box", "--ssh", "me@box", "--identity", sandbox.root.path("none")],
        "invalid_identity"
      ),
    ]
    for (arguments, code) in cases {
      let result = try sandbox.run(["--json"] + arguments)
      #expect(result.exitCode == 2, "\(arguments): \(result.stderr)")
      #expect(
        (try? result.jsonObject()["error"] as? [String: Any])?["code"] as? String == code, "\(arguments)")
    }
    let listed = try sandbox.run(["--json", "hosts", "list"])
    #expect(listed.exitCode == 0)
    #expect(try listed.jsonArray().isEmpty)
  }

  @Test func aHostOnAClosedPortIsListedUnreachableWithTheReason() throws {
    let sandbox = try CLISandbox()
    let key = try Self.identity(in: sandbox)
    let added = try sandbox.run([
      "hosts", "add", "closed", "--ssh", "me@127.0.0.1", "--port", "1", "--identity", key,
    ])
    #expect(added.exitCode == 0, "\(added.stderr)")
    #expect(added.stdout == "added host closed (me@127.0.0.1, port 1)\n")
    let again = try sandbox.run(["--json", "hosts", "add", "closed", "--ssh", "me@127.0.0.1"])
    #expect(again.exitCode == 1)
    #expect((try? again.jsonObject()["error"] as? [String: Any])?["code"] as? String == "host_taken")

    let list = try sandbox.run(["--json", "hosts", "list", "--timeout", "5"])
    let hosts = try list.jsonArray()
    #expect(hosts.count == 1)
    let host = try #require(hosts.first)
    #expect(host["name"] as? String == "closed" && host["ssh"] as? String == "me@127.0.0.1")
    #expect(host["port"] as? Int == 1 && host["identity_file"] as? String == key)
    #expect(host["reachable"] as? Bool == false && host["installed"] as? Bool == false)
    #expect(host["agents"] as? Int == 0)
    let error = try #require(host["error"] as? [String: Any])
    #expect(error["code"] as? String == "unreachable")
    #expect((error["message"] as? String)?.contains("host closed (me@127.0.0.1) is unreachable") == true)
    #expect((error["message"] as? String)?.contains("Connection refused") == true)
    // The key's content is nowhere in the output.
    #expect(!list.stdout.contains("not a key"))

    let text = try sandbox.run(["hosts", "list"])
    #expect(text.stdout.contains("closed  me@127.0.0.1  1     no "))
    #expect(text.stdout.contains("closed: host closed (me@127.0.0.1) is unreachable"))
    let mode =
      try FileManager.default.attributesOfItem(atPath: sandbox.home + "/ssh")[.posixPermissions] as? Int
    #expect(mode == 0o700)

    let removed = try sandbox.run(["hosts", "remove", "closed"])
    #expect(removed.exitCode == 0 && removed.stdout == "removed host closed (me@127.0.0.1)\n")
    let gone = try sandbox.run(["--json", "hosts", "show", "closed"])
    #expect(gone.exitCode == 1)
    #expect((try? gone.jsonObject()["error"] as? [String: Any])?["code"] as? String == "not_found")
  }
}
