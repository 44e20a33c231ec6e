import Foundation
import ProcessKit
import StateStore
import TestSupport
import Testing

@testable import MultiAgent

/// The SSH layer without a network: the quoting a remote shell parses, the argv given to `ssh`,
/// what `--ssh` accepts, how ssh's failures are named, and the hosts table.
@Suite struct HostsSSHTests {
  static let host = RemoteHost(
    name: "gpu-1", user: "me", address: "10.0.0.7", port: 2222, identityFile: "/keys/id_ed25519")

  /// What `sh` makes of a command line: each argument `printf` receives, NUL-separated.
  static func wordsSeenByShell(_ commandLine: String) throws -> [String] {
    let output = try ProcessRunner().run(
      "/bin/sh", arguments: ["-c", "printf '%s\\0' " + commandLine], environment: ["PATH": "/usr/bin:/bin"])
    #expect(output.exit == .exited(0))
    return output.standardOutputText.split(separator: "\0", omittingEmptySubsequences: false).dropLast()
      .map(String.init)
  }

  @Test func quotedWordsReachTheShellUnchanged() throws {
    let words = [
      "plain", "", "it's", "'", "''", "a b\tc\nd", "$HOME", "`id`", "$(id)", "\\", "\"x\"", "; rm -rf /",
      "*", "~", "-n", "é ü 🙂", "!event",
    ]
    #expect(try Self.wordsSeenByShell(ShellQuoting.command(words)) == words)
    #expect(ShellQuoting.quote("it's") == #"'it'\''s'"#)
    #expect(ShellQuoting.quote("") == "''")
  }

  @Test func aScriptGetsItsArgumentsAsPositionalParameters() throws {
    let line = ShellQuoting.shellScript(#"printf '%s\0' "$1" "$#""#, arguments: ["x'; echo pwned; '"])
    let output = try ProcessRunner().run(
      "/bin/sh", arguments: ["-c", line], environment: ["PATH": "/usr/bin:/bin"])
    #expect(output.standardOutputText == "x'; echo pwned; '\u{0}1\u{0}")
  }

  @Test func theArgvSharesAMasterNeverPromptsAndEndsWithTheRemoteCommand() {
    let connection = SSHConnection(host: Self.host, directory: "/h/ssh", connectTimeout: 4)
    let arguments = connection.arguments(remoteCommand: "'true'")
    #expect(Array(arguments.suffix(3)) == ["--", "10.0.0.7", "'true'"])
    let options = Array(arguments.dropLast(3))
    for expected in [
      ["-o", "BatchMode=yes"], ["-o", "StrictHostKeyChecking=accept-new"],
      ["-o", "UserKnownHostsFile=/h/ssh/known_hosts"], ["-o", "ConnectTimeout=4"],
      ["-o", "ControlMaster=auto"],
      ["-o", "ControlPersist=60"], ["-p", "2222"], ["-l", "me"], ["-i", "/keys/id_ed25519"],
      ["-o", "IdentitiesOnly=yes"],
    ] {
      #expect(options.indices.contains { Array(options[$0...].prefix(2)) == expected }, "\(expected)")
    }
    #expect(options.contains { $0.hasPrefix("ServerAliveInterval=") })
    let controlPath = try? #require(connection.controlPath)
    #expect(controlPath?.hasPrefix("/h/ssh/cm-") == true)
    #expect(options.contains("ControlPath=" + (controlPath ?? "?")))
    #expect(connection.closeMasterArguments?.suffix(4) == ["-O", "exit", "--", "10.0.0.7"])
  }

  @Test func oneMasterPerUserAddressAndPortAndNoneWhenTheSocketPathIsTooLong() {
    let base = SSHConnection(host: Self.host, directory: "/h/ssh")
    var other = Self.host
    other.port = 22
    #expect(base.controlPath != SSHConnection(host: other, directory: "/h/ssh").controlPath)
    other = Self.host
    other.name = "renamed"
    #expect(base.controlPath == SSHConnection(host: other, directory: "/h/ssh").controlPath)
    let deep = SSHConnection(host: Self.host, directory: "/" + String(repeating: "d", count: 80) + "/ssh")
    #expect(deep.controlPath == nil)
    #expect(deep.arguments(remoteCommand: "x").contains("ControlMaster=no"))
    #expect(deep.closeMasterArguments == nil)
  }

  @Test func pathsInOptionsKeepTheirSpacesAndPercentSigns() {
    #expect(SSHConnection.configValue("/a/b") == "/a/b")
    #expect(SSHConnection.configValue("/a/50%") == "/a/50%%")
    #expect(SSHConnection.configValue("/my home/\"q\"") == #""/my home/\"q\"""#)
    let user = RemoteHost(name: "a", user: nil, address: "box", identityFile: "/k/%d")
    let arguments = SSHConnection(host: user, directory: "/h").arguments(remoteCommand: "x")
    #expect(arguments.contains("/k/%%d"))
    #expect(!arguments.contains("-l"))
  }

  @Test func sshTargetsThatCouldBeOptionsOrShellSyntaxAreRefused() {
    #expect(SSHTarget("me@10.0.0.7") == SSHTarget(user: "me", address: "10.0.0.7"))
    #expect(SSHTarget("box.example") == SSHTarget(user: nil, address: "box.example"))
    #expect(SSHTarget("ci_user@[::1]")?.address == "::1")
    for bad in [
      "", "@box", "me@", "-oProxyCommand=x", "me@-oProxyCommand=x", "-me@box", "a@b@c", "me@bo x",
      "me@box;id",
      "me@$(id)", "m'e@box", "me@box\n", "me@box/x",
    ] {
      #expect(SSHTarget(bad) == nil, "\(bad)")
    }
  }

  @Test func sshFailuresAreNamedForTheHost() {
    let refused = SSHRunner.classify("me@10.0.0.7: Permission denied (publickey).\n", host: Self.host)
    #expect(refused.code == .authRefused)
    #expect(refused.message.contains("gpu-1") && refused.message.contains("Permission denied"))
    let changed = SSHRunner.classify(
      "@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\nHost key verification failed.\n",
      host: Self.host)
    #expect(changed.code == .hostKeyChanged && changed.message.contains("gpu-1"))
    let cut = SSHRunner.classify(
      "ssh: connect to host 10.0.0.7 port 2222: No route to host\r\n", host: Self.host)
    #expect(cut.code == .unreachable)
    #expect(
      cut.message
        == "host gpu-1 (me@10.0.0.7) is unreachable: ssh: connect to host 10.0.0.7 port 2222: No route to host"
    )
    #expect(SSHRunner.classify("", host: Self.host).code == .unreachable)
    #expect(RemoteMultiAgent.version(fromOutput: "multiagent 0.1.0\n") == "0.1.0")
  }

  @Test func hostsAreKeptByNameAndOnlyTheIdentityPathIsStored() async throws {
    let directory = try TemporaryDirectory(prefix: "hosts")
    let home = StateHome(path: directory.path("home"))
    try home.create()
    let hosts = try Hosts(home: home, environment: [:])
    let added = try hosts.add(
      name: "gpu-1", target: #require(SSHTarget("me@10.0.0.7")), port: 2222, identityFile: "/keys/id")
    #expect(try hosts.list() == [added])
    #expect(try hosts.host(named: "GPU-1") == added)
    #expect(throws: StoreError.self) { try hosts.add(name: "Gpu-1", target: SSHTarget("box")!) }
    #expect(throws: StoreError.self) { try hosts.add(name: "bad name", target: SSHTarget("box")!) }
    #expect(throws: StoreError.self) { try hosts.add(name: "p", target: SSHTarget("box")!, port: 70000) }
    // Another process reopening the file sees the same host.
    #expect(try Hosts(home: home, environment: [:]).list() == [added])
    #expect(try await hosts.remove(added))
    #expect(try hosts.list().isEmpty)
  }
}
