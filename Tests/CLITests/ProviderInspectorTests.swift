import Foundation
import MultiAgent
import ProviderKit
import Testing
import TestSupport

/// `ProviderInspector`: finding CLIs and asking them for their versions.
@Suite struct ProviderInspectorTests {
  private func definition(
    _ name: String, binary: String? = nil, alternatives: [String] = [], environment: [String: String] = [:]
  ) -> ProviderDefinition {
    ProviderDefinition(
      name: name, displayName: name, binary: binary ?? name, alternativeBinaries: alternatives,
      dialect: "plain-text", prompt: .positional, resume: .none, sessionID: SessionIDRule(source: .none),
      environment: environment)
  }

  private func script(_ directory: TemporaryDirectory, _ name: String, _ body: String) throws -> String {
    let path = directory.path(name)
    try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    return path
  }

  private func inspector(_ folders: String...) -> ProviderInspector {
    ProviderInspector(environment: ["PATH": (folders + ["/usr/bin", "/bin"]).joined(separator: ":")])
  }

  @Test func locateSearchesPathThenAlternatives() throws {
    let first = try TemporaryDirectory(prefix: "path1")
    let second = try TemporaryDirectory(prefix: "path2")
    let alternative = try script(first, "agent", "exit 0")
    #expect(
      inspector(first.path(""), second.path("")).locate(
        definition("cursor", binary: "cursor-agent", alternatives: ["agent"])) == alternative)
    let main = try script(second, "cursor-agent", "exit 0")
    // The main binary anywhere on PATH wins over an alternative earlier on PATH.
    #expect(
      inspector(first.path(""), second.path("")).locate(
        definition("cursor", binary: "cursor-agent", alternatives: ["agent"])) == main)
  }

  @Test func locateIgnoresFilesThatCannotRunAndFolders() throws {
    let folder = try TemporaryDirectory(prefix: "path")
    try "echo".write(toFile: folder.path("claude"), atomically: true, encoding: .utf8)
    try FileManager.default.createDirectory(atPath: folder.path("codex"), withIntermediateDirectories: true)
    let inspector = inspector(folder.path(""))
    #expect(inspector.locate(definition("claude")) == nil)
    #expect(inspector.locate(definition("codex")) == nil)
  }

  @Test func locateAcceptsAnAbsoluteBinary() throws {
    let folder = try TemporaryDirectory(prefix: "abs")
    let path = try script(folder, "my-claude", "exit 0")
    #expect(ProviderInspector(environment: [:]).locate(definition("claude", binary: path)) == path)
    #expect(
      ProviderInspector(environment: [:]).locate(definition("claude", binary: path + "-missing")) == nil)
  }

  @Test func probeReadsFirstLineAndFallsBackToStandardError() async throws {
    let folder = try TemporaryDirectory(prefix: "probe")
    let out = try script(folder, "out", "echo; echo '  1.2.3  '; echo second")
    let err = try script(folder, "err", "echo 'v4 (stderr)' >&2")
    let probe = inspector()
    #expect(
      await probe.probeVersion(of: definition("out"), at: out, timeout: .seconds(10))
        == .answered(version: "1.2.3"))
    #expect(
      await probe.probeVersion(of: definition("err"), at: err, timeout: .seconds(10))
        == .answered(version: "v4 (stderr)"))
  }

  @Test func probePassesArgumentsDefinitionEnvironmentAndNullStandardInput() async throws {
    let folder = try TemporaryDirectory(prefix: "probe")
    let path = try script(folder, "cli", #"read line; echo "$1|$FLAVOUR|${line:-eof}""#)
    let result = await inspector().probeVersion(
      of: definition("cli", environment: ["FLAVOUR": "mint"]), at: path, timeout: .seconds(10))
    #expect(result == .answered(version: "--version|mint|eof"))
  }

  @Test func probeReportsNonZeroExit() async throws {
    let folder = try TemporaryDirectory(prefix: "probe")
    let path = try script(folder, "cli", "echo broken >&2; exit 7")
    let result = await inspector().probeVersion(of: definition("cli"), at: path, timeout: .seconds(10))
    #expect(result == .failed(message: "exited with status 7: broken"))
    #expect(!result.answered)
  }

  @Test func probeTimesOutAndKillsTheWholeProcessGroup() async throws {
    let folder = try TemporaryDirectory(prefix: "probe")
    let marker = folder.path("child.pid")
    // The child ignores SIGTERM, so only the SIGKILL to the group stops it.
    let path = try script(
      folder, "cli", "sh -c 'trap \"\" TERM; echo $$ > \(marker); exec sleep 1000' &\nwait")
    let result = await inspector().probeVersion(of: definition("cli"), at: path, timeout: .milliseconds(300))
    #expect(result == .timedOut(after: .milliseconds(300)))
    #expect(result.description == "timed out after 0.3s")
    let pid = try #require(
      Int32(
        try String(contentsOfFile: marker, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
    #expect(processIsGone(pid))
  }

  @Test func inspectProbesConcurrently() async throws {
    let folder = try TemporaryDirectory(prefix: "rendezvous")
    // Each CLI answers only once the other has started: run one after the other, both time out.
    for (me, other) in [("left", "right"), ("right", "left")] {
      _ = try script(
        folder, me,
        """
        touch '\(folder.path(me + ".started"))'
        while [ ! -e '\(folder.path(other + ".started"))' ]; do sleep 0.05; done
        echo '\(me) 1.0'
        """)
    }
    let results = await inspector(folder.path("")).inspect(
      [definition("left"), definition("right"), definition("absent")], versionTimeout: .seconds(20))
    #expect(results.map(\.name) == ["left", "right", "absent"])
    #expect(results[0].version == .answered(version: "left 1.0"))
    #expect(results[1].version == .answered(version: "right 1.0"))
    #expect(results[2] == ProviderInstallation(name: "absent", path: nil, version: nil))
  }

  private func processIsGone(_ pid: Int32) -> Bool {
    let deadline = Date().addingTimeInterval(5)
    while Date() < deadline {
      guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
      if let close = stat.lastIndex(of: ")"), stat[stat.index(close, offsetBy: 2)] == "Z" { return true }
      usleep(20_000)
    }
    return false
  }
}
