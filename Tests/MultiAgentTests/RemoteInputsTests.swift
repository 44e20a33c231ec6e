import Foundation
import ProcessKit
import TestSupport
import Testing

@testable import MultiAgent

#if canImport(Glibc)
  import Glibc
#endif

/// `spawn --host --input` without a network: the names a staged file may have, and the host's
/// staging scripts run here with a throwaway `HOME` standing for the remote user's.
@Suite struct RemoteInputsTests {
  /// Runs one of ``RemoteScripts`` as the host would (`sh -c SCRIPT sh ARGS…`) with `home` as `HOME`.
  static func run(_ script: String, _ arguments: [String], home: String, input: [UInt8]? = nil) throws
    -> ProcessOutput
  {
    try ProcessRunner().run(
      "/bin/sh", arguments: ["-c", script, "sh"] + arguments,
      environment: ["HOME": home, "PATH": "/usr/bin:/bin"], standardInput: input ?? [], timeout: .seconds(20))
  }

  /// A new staging folder in `home`, as the controller gets it.
  static func makeStaging(home: String) throws -> String {
    let made = try run(RemoteScripts.makeStaging, [], home: home)
    try #require(made.exit == .exited(0), "\(made.standardErrorText)")
    let folder = made.standardOutputText.trimmingCharacters(in: .whitespacesAndNewlines)
    try #require(RemoteInputs.isStagingFolder(folder), "\(folder)")
    return folder
  }

  static func mode(_ path: String) -> mode_t {
    var status = stat()
    return lstat(path, &status) == 0 ? status.st_mode & 0o7777 : 0
  }

  @Test func namesThatWouldLeaveTheFolderAreRefused() {
    for name in ["", ".", "..", "../x", "a/b", "/etc/passwd", "x\u{0}y"] {
      #expect(RemoteInputs.problem(with: name) != nil, "\(name)")
    }
    for name in ["notes.md", "with spaces.bin", "..hidden", "-n", "é ü", "it's $(id)"] {
      #expect(RemoteInputs.problem(with: name) == nil, "\(name)")
    }
    #expect(RemoteInputs.isStagingFolder(RemoteScripts.staging + "/in.aB3xYz90"))
    for folder in [
      RemoteScripts.staging + "/in.", RemoteScripts.staging + "/in.x/../..", "/tmp/in.x",
      RemoteScripts.staging + "/other", "x/" + RemoteScripts.staging + "/in.x",
    ] {
      #expect(!RemoteInputs.isStagingFolder(folder), "\(folder)")
    }
    #expect(
      RemoteInputs.inputArguments(["a b", "c"], in: "s/in.1") == [
        "--input", "s/in.1/a b", "--input", "s/in.1/c",
      ])
  }

  @Test func filesAreStagedByteForByteInAPrivateFolder() throws {
    let home = try TemporaryDirectory(prefix: "stage")
    let folder = try Self.makeStaging(home: home.url.path)
    #expect(Self.mode(home.path(RemoteScripts.staging)) == 0o700)
    #expect(Self.mode(home.path(folder)) == 0o700)
    let binary = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 8) }
    for (name, bytes) in [("data.bin", binary), ("with spaces & 'quotes'.txt", Array("hi\n".utf8))] {
      let staged = try Self.run(
        RemoteScripts.stageInput, [folder, name, String(bytes.count)], home: home.url.path, input: bytes)
      #expect(staged.exit == .exited(0), "\(staged.standardErrorText)")
      let path = home.path(folder) + "/" + name
      #expect(FileManager.default.contents(atPath: path).map(Array.init) == bytes)
      #expect(Self.mode(path) == 0o600)
    }

    let short = try Self.run(
      RemoteScripts.stageInput, [folder, "short", "10"], home: home.url.path, input: Array("abc".utf8))
    #expect(short.exit == .exited(3) && short.standardErrorText.contains("received 3 of 10 bytes"))
  }

  @Test func namesAndFoldersOutsideTheStagingFolderAreRefusedOnTheHost() throws {
    let home = try TemporaryDirectory(prefix: "stage")
    let folder = try Self.makeStaging(home: home.url.path)
    for name in ["", ".", "..", "../escaped", "a/b", "/tmp/escaped"] {
      let refused = try Self.run(
        RemoteScripts.stageInput, [folder, name, "1"], home: home.url.path, input: [0x41])
      #expect(refused.exit == .exited(2), "\(name): \(refused.standardErrorText)")
    }
    for other in [
      "escaped", RemoteScripts.staging + "/in.x/..", RemoteScripts.staging, "/tmp", folder + "/../..",
    ] {
      let refused = try Self.run(
        RemoteScripts.stageInput, [other, "name", "1"], home: home.url.path, input: [0x41])
      #expect(refused.exit == .exited(2), "\(other): \(refused.standardErrorText)")
      let removed = try Self.run(RemoteScripts.removeStaging, [other], home: home.url.path)
      #expect(removed.exit == .exited(2), "\(other)")
    }
    let left = try FileManager.default.subpathsOfDirectory(atPath: home.url.path)
    #expect(Set(left) == Set(pathPrefixes(folder)), "\(left)")
  }

  /// `a`, `a/b`, `a/b/c` of `a/b/c`.
  func pathPrefixes(_ path: String) -> [String] {
    let parts = path.split(separator: "/")
    return (1...parts.count).map { parts.prefix($0).joined(separator: "/") }
  }

  @Test func theHostsSpawnSeesTheStagedFilesAndTheFolderGoesHoweverItEnds() throws {
    let home = try TemporaryDirectory(prefix: "stage")
    let binary = home.path(RemoteMultiAgent.path)
    try FileManager.default.createDirectory(
      atPath: (binary as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    // The host's multiagent, faked: prints each argument and each --input's content; exits as told.
    let fake = #"""
      #!/bin/sh
      for a in "$@"; do printf '[%s]' "$a"; done; echo
      while [ $# -gt 0 ]; do
        case "$1" in --input) printf '%s=' "$2"; cat "$2"; echo; shift 2 ;; *) shift ;; esac
      done
      cat > /dev/null
      exit "${FAKE_EXIT:-0}"
      """#
    try fake.write(toFile: binary, atomically: true, encoding: .utf8)
    #expect(chmod(binary, 0o755) == 0)
    for exit in [0, 5] {
      let folder = try Self.makeStaging(home: home.url.path)
      let staged = try Self.run(
        RemoteScripts.stageInput, [folder, "a b", "2"], home: home.url.path, input: Array("AB".utf8))
      #expect(staged.exit == .exited(0), "\(staged.standardErrorText)")
      let script = "FAKE_EXIT=\(exit); export FAKE_EXIT\n" + RemoteScripts.multiagentStaged
      let ran = try Self.run(
        script, [folder, "--json", "spawn"] + RemoteInputs.inputArguments(["a b"], in: folder) + ["-"],
        home: home.url.path, input: Array("the prompt".utf8))
      #expect(ran.exit == .exited(Int32(exit)), "\(ran.standardErrorText)")
      #expect(
        ran.standardOutputText.hasPrefix(
          "[--home][\(home.url.path)/\(RemoteScripts.home)][--json][spawn][--input][\(folder)/a b][-]\n"
            + "\(folder)/a b=AB\n"), "\(ran.standardOutputText)")
      #expect(!FileManager.default.fileExists(atPath: home.path(folder)), "exit \(exit)")
    }
  }

  @Test func aLocalInputIsCheckedAsALocalSpawnChecksIt() throws {
    let directory = try TemporaryDirectory(prefix: "inputs")
    let fifo = directory.path("pipe")
    #expect(mkfifo(fifo, 0o600) == 0)
    let link = directory.path("link")
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: fifo)
    for path in [fifo, link, directory.path("missing"), "/dev/null", directory.url.path] {
      var request = RemoteSpawnRequest(provider: "fake", prompt: "p")
      request.inputFiles = [path]
      var local: AgentError?
      do { _ = try InputFile(checking: path) } catch { local = error }
      #expect(local != nil, "\(path)")
      #expect(throws: local!) { try request.checkInputs() }
    }
  }
}
