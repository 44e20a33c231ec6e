import Foundation
import JSONKit
import ProviderKit
import Providers
import TestSupport
import Testing

/// The REAL claude and codex CLIs, started from `CommandSpec`s the providers build, talking to the
/// project's fake model server; their live output parsed into the expected events.
@Suite(.serialized) struct RealCLIParsingTests {
  let registry: ProviderRegistry
  let directory: TemporaryDirectory
  let workspace: String

  init() throws {
    registry = try BuiltinProviders.registry()
    directory = try TemporaryDirectory(prefix: "e2e")
    workspace = directory.path("ws")
    try FileManager.default.createDirectory(atPath: workspace, withIntermediateDirectories: true)
  }

  var baseEnvironment: [String: String] {
    [
      "HOME": directory.path("home"), "PATH": RealCLIs.binDirectory.path + ":/usr/local/bin:/usr/bin:/bin",
      "TZ": "UTC",
    ]
  }

  func parse(_ output: [UInt8], with provider: any AgentProvider, now: Date = Date()) -> [AgentEvent] {
    var parser = provider.makeParser(
      context: ParserContext(now: { now }, timeZone: TimeZone(identifier: "UTC")!))
    var splitter = LineSplitter()
    var events: [AgentEvent] = []
    for line in splitter.feed(output) + [splitter.finish()].compactMap({ $0 }) {
      events += parser.parse(line: line.bytes, offset: line.offset)
    }
    return events
  }

  func request(_ prompt: String, environment: [String: String], extra: [String] = [], configDir: String)
    -> CommandRequest
  {
    // Codex refuses a CODEX_HOME that does not exist.
    try? FileManager.default.createDirectory(atPath: configDir, withIntermediateDirectories: true)
    return CommandRequest(
      prompt: prompt, workingDirectory: workspace, extraArguments: extra, environment: environment,
      configDirectory: configDir, runningAsRoot: geteuid() == 0)
  }

  // MARK: claude

  @Test(.enabled(if: RealCLIs.hasClaude, RealCLIs.skipReason))
  func claudeToolUseAndResumeParseIntoEvents() throws {
    let server = try FakeModelServer(
      script: #"""
        {"keys": {"key-claude": [
          {"text": "Writing the marker.", "shell": "echo e2e-claude > marker.txt"},
          {"text": "Marker written."},
          {"text": "Still here, same session."}
        ]}}
        """#, directory: directory.url)
    defer { server.stop() }
    let claude = try registry.provider(named: "claude")
    let environment = RealCLIs.claudeEnvironment(server: server, key: "key-claude")
    let sessionID = try #require(claude.newPinnedSessionID())
    let spawn = try claude.spawnCommand(
      for: request(
        "Please write the marker file.", environment: environment, configDir: directory.path("cfg")),
      sessionID: sessionID)

    let first = try CommandRunner.run(spawn, environment: baseEnvironment)
    #expect(first.exitCode == 0, "stderr: \(first.stderr)")
    let events = parse(first.stdout, with: claude).map(\.kind)
    #expect(events.first == .sessionStarted(id: sessionID))
    #expect(
      events.contains {
        if case .toolUse(_, "Bash", let input) = $0 { input.contains("echo e2e-claude") } else { false }
      })
    #expect(events.contains { if case .toolResult(_, _, false) = $0 { true } else { false } })
    #expect(events.contains(.assistantText("Marker written.")))
    #expect(events.contains { if case .usage = $0 { true } else { false } })
    #expect(events.last == .result(text: "Marker written.", isError: false))
    #expect(!events.contains { if case .exhausted = $0 { true } else { false } })
    let marker = try String(contentsOfFile: workspace + "/marker.txt", encoding: .utf8)
    #expect(marker == "e2e-claude\n")

    let resume = try claude.resumeCommand(
      for: request("Are you still there?", environment: environment, configDir: directory.path("cfg")),
      sessionID: sessionID)
    let second = try CommandRunner.run(resume, environment: baseEnvironment)
    #expect(second.exitCode == 0, "stderr: \(second.stderr)")
    let resumed = parse(second.stdout, with: claude).map(\.kind)
    #expect(resumed.first == .sessionStarted(id: sessionID))
    #expect(resumed.last == .result(text: "Still here, same session.", isError: false))
    // The resumed request carried the earlier turns.
    let last = try #require(try server.requests().last)
    let history = JSONWriter.string(last["body"]?["messages"] ?? .null)
    #expect(history.contains("Please write the marker file."))
    #expect(history.contains("Marker written."))
    #expect(history.contains("Are you still there?"))
  }

  @Test(.enabled(if: RealCLIs.hasClaude, RealCLIs.skipReason))
  func claudeSubscriptionUsageLimitIsExhaustionWithTheServersReset() throws {
    let reset = Int(Date().timeIntervalSince1970) + 3 * 3600 + 120
    let server = try FakeModelServer(
      script: #"{"default": [{"error": "usage_limit", "resets_at": \#(reset), "repeat": "forever"}]}"#,
      directory: directory.url)
    defer { server.stop() }
    let claude = try registry.provider(named: "claude")
    let environment = RealCLIs.claudeEnvironment(server: server, key: "oauth-a", oauth: true)
    let command = try claude.spawnCommand(
      for: request("hello", environment: environment, configDir: directory.path("cfg-oauth")),
      sessionID: claude.newPinnedSessionID())
    let output = try CommandRunner.run(command, environment: baseEnvironment)
    #expect(output.exitCode == 1)
    let events = parse(output.stdout, with: claude).map(\.kind)
    let exhausted = events.compactMap {
      if case .exhausted(let at, let message) = $0 { (at, message) } else { nil }
    }
    #expect(exhausted.count == 1)
    #expect(exhausted.first?.0 == Date(timeIntervalSince1970: TimeInterval(reset)))
    #expect(events.contains { if case .result(_, true) = $0 { true } else { false } })
  }

  @Test(.enabled(if: RealCLIs.hasClaude, RealCLIs.skipReason))
  func claudeServerErrorsAreRetriesNotExhaustion() throws {
    let server = try FakeModelServer(
      script: #"{"default": [{"error": "overloaded"}, {"error": "server_error"}, {"text": "Recovered."}]}"#,
      directory: directory.url)
    defer { server.stop() }
    let claude = try registry.provider(named: "claude")
    var environment = RealCLIs.claudeEnvironment(server: server, key: "key-5xx")
    environment["CLAUDE_CODE_MAX_RETRIES"] = "3"
    let command = try claude.spawnCommand(
      for: request("hello", environment: environment, configDir: directory.path("cfg-5xx")),
      sessionID: claude.newPinnedSessionID())
    let output = try CommandRunner.run(command, environment: baseEnvironment)
    #expect(output.exitCode == 0, "stderr: \(output.stderr)")
    let events = parse(output.stdout, with: claude).map(\.kind)
    #expect(events.filter { if case .retrying = $0 { true } else { false } }.count == 2)
    #expect(!events.contains { if case .exhausted = $0 { true } else { false } })
    #expect(events.last == .result(text: "Recovered.", isError: false))
  }

  // MARK: codex

  @Test(.enabled(if: RealCLIs.hasCodex, RealCLIs.skipReason))
  func codexToolUseAndResumeParseIntoEvents() throws {
    let server = try FakeModelServer(
      script: #"""
        {"keys": {"key-codex": [
          {"text": "Writing the marker.", "shell": "echo e2e-codex > marker.txt"},
          {"text": "Marker written."},
          {"text": "Still here, same thread."}
        ]}}
        """#, directory: directory.url)
    defer { server.stop() }
    let codex = try registry.provider(named: "codex")
    let environment = ["CODEX_API_KEY": "key-codex"]
    let extra = RealCLIs.codexArguments(server: server)
    let spawn = try codex.spawnCommand(
      for: request(
        "Please write the marker file.", environment: environment, extra: extra,
        configDir: directory.path("codex")),
      sessionID: nil)
    let first = try CommandRunner.run(spawn, environment: baseEnvironment)
    #expect(first.exitCode == 0, "stderr: \(first.stderr)")
    let events = parse(first.stdout, with: codex).map(\.kind)
    guard case .sessionStarted(let threadID)? = events.first else {
      Issue.record("first event is not the session: \(events.first.map { "\($0)" } ?? "none")")
      return
    }
    #expect(
      events.contains {
        if case .toolUse(_, _, let input) = $0 { input.contains("echo e2e-codex") } else { false }
      })
    #expect(events.contains { if case .toolResult(_, _, false) = $0 { true } else { false } }, "\(events)")
    #expect(events.contains(.assistantText("Marker written.")))
    #expect(events.contains { if case .usage = $0 { true } else { false } })
    #expect(events.contains { if case .result(_, false) = $0 { true } else { false } })
    let marker = try String(contentsOfFile: workspace + "/marker.txt", encoding: .utf8)
    #expect(marker == "e2e-codex\n")

    let resume = try codex.resumeCommand(
      for: request(
        "Are you still there?", environment: environment, extra: extra, configDir: directory.path("codex")),
      sessionID: threadID)
    let second = try CommandRunner.run(resume, environment: baseEnvironment)
    #expect(second.exitCode == 0, "stderr: \(second.stderr)")
    let resumed = parse(second.stdout, with: codex).map(\.kind)
    #expect(resumed.first == .sessionStarted(id: threadID))
    #expect(resumed.contains(.assistantText("Still here, same thread.")))
    let last = try #require(try server.requests().last)
    let history = JSONWriter.string(last["body"]?["input"] ?? .null)
    #expect(history.contains("Please write the marker file."))
    #expect(history.contains("Marker written."))
    #expect(history.contains("Are you still there?"))
  }

  @Test(.enabled(if: RealCLIs.hasCodex, RealCLIs.skipReason))
  func codexUsageLimitIsExhaustionWithTheResetItPrinted() throws {
    let reset = Int(Date().timeIntervalSince1970) + 2 * 3600
    let server = try FakeModelServer(
      script: #"{"default": [{"error": "usage_limit", "resets_at": \#(reset), "repeat": "forever"}]}"#,
      directory: directory.url)
    defer { server.stop() }
    let codex = try registry.provider(named: "codex")
    let command = try codex.spawnCommand(
      for: request(
        "hello", environment: ["CODEX_API_KEY": "key-limit"], extra: RealCLIs.codexArguments(server: server),
        configDir: directory.path("codex-limit")),
      sessionID: nil)
    let output = try CommandRunner.run(command, environment: baseEnvironment)
    #expect(output.exitCode == 1)
    let events = parse(output.stdout, with: codex).map(\.kind)
    let resets = events.compactMap { if case .exhausted(let at, _) = $0 { at } else { nil } }
    #expect(resets.count == 1)
    // Codex prints a wall-clock minute ("try again at 9:12 PM."): the instant is within that minute.
    if let at = resets.first {
      #expect(abs(at.timeIntervalSince1970 - TimeInterval(reset)) < 60)
    }
    #expect(events.contains { if case .result(_, true) = $0 { true } else { false } })
  }

  @Test(.enabled(if: RealCLIs.hasCodex, RealCLIs.skipReason))
  func codexReconnectingLinesAreRetriesNotFailures() throws {
    let server = try FakeModelServer(
      script: #"{"default": [{"error": "server_error"}, {"text": "Recovered."}]}"#, directory: directory.url)
    defer { server.stop() }
    let codex = try registry.provider(named: "codex")
    let extra = RealCLIs.codexArguments(server: server).map {
      $0 == "model_providers.fake.stream_max_retries=0" ? "model_providers.fake.stream_max_retries=2" : $0
    }
    let command = try codex.spawnCommand(
      for: request(
        "hello", environment: ["CODEX_API_KEY": "key-retry"], extra: extra,
        configDir: directory.path("codex-retry")),
      sessionID: nil)
    let output = try CommandRunner.run(command, environment: baseEnvironment)
    #expect(output.exitCode == 0, "stderr: \(output.stderr)")
    let events = parse(output.stdout, with: codex).map(\.kind)
    #expect(events.contains { if case .retrying = $0 { true } else { false } })
    #expect(!events.contains { if case .exhausted = $0 { true } else { false } })
    #expect(events.contains(.assistantText("Recovered.")))
    #expect(events.contains { if case .result(_, false) = $0 { true } else { false } })
  }
}
