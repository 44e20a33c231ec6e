import ProviderKit
import Providers
import Testing

/// Pins the exact argv, stdin, environment and config-dir variable of every built-in provider.
@Suite struct BuiltinCommandTests {
  struct Expectation: Sendable, CustomTestStringConvertible {
    var provider: String
    var spawn: [String]
    var resume: [String]?
    var stdinPrompt: Bool = false
    var configDirVariable: String?
    /// The prompt goes through this live channel instead of argv or a file on stdin.
    var live: LiveInput? = nil
    var testDescription: String { provider }
  }

  static let prompt = "Fix the flaky test"
  static let answers = "q1: yes"
  static let pinned = "6a1c0c1e-1111-4222-8333-944455556666"

  static let expectations: [Expectation] = [
    Expectation(
      provider: "claude",
      spawn: [
        "claude", "-p", "--output-format", "stream-json", "--verbose", "--dangerously-skip-permissions",
        "--session-id", pinned, "--input-format", "stream-json", "--permission-prompt-tool", "stdio",
        "--replay-user-messages",
      ],
      resume: [
        "claude", "-p", "--output-format", "stream-json", "--verbose", "--dangerously-skip-permissions",
        "--resume", "SESSION", "--input-format", "stream-json", "--permission-prompt-tool", "stdio",
        "--replay-user-messages",
      ],
      configDirVariable: "CLAUDE_CONFIG_DIR", live: .claudeStreamJSON),
    Expectation(
      provider: "codex",
      spawn: [
        "codex", "exec", "--json", "--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox",
        prompt,
      ],
      resume: [
        "codex", "exec", "--json", "--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox",
        "resume", "SESSION", answers,
      ],
      configDirVariable: "CODEX_HOME"),
    Expectation(
      provider: "gemini",
      spawn: ["gemini", "--output-format", "stream-json", "--approval-mode", "yolo", "-p", prompt],
      resume: [
        "gemini", "--output-format", "stream-json", "--approval-mode", "yolo", "--resume", "SESSION", "-p",
        answers,
      ],
      configDirVariable: "GEMINI_CLI_HOME"),
    Expectation(
      provider: "cursor",
      spawn: ["cursor-agent", "-p", "--output-format", "stream-json", "--force", "--trust", prompt],
      resume: [
        "cursor-agent", "-p", "--output-format", "stream-json", "--force", "--trust", "--resume", "SESSION",
        answers,
      ],
      configDirVariable: "CURSOR_CONFIG_DIR"),
    Expectation(
      provider: "auggie",
      spawn: ["auggie", "--output-format", "json", "--print", prompt],
      resume: ["auggie", "--output-format", "json", "--resume", "SESSION", "--print", answers]),
    Expectation(
      provider: "amp",
      spawn: ["amp", "--execute", "--stream-json", "--dangerously-allow-all"],
      resume: [
        "amp", "--execute", "--stream-json", "--dangerously-allow-all", "threads", "continue", "SESSION",
      ],
      stdinPrompt: true),
    Expectation(
      provider: "opencode",
      spawn: ["opencode", "run", "--format", "json", prompt],
      resume: ["opencode", "run", "--format", "json", "--session", "SESSION", answers],
      configDirVariable: "OPENCODE_CONFIG_DIR"),
    Expectation(
      provider: "qwen",
      spawn: ["qwen", "--output-format", "stream-json", "--yolo", "-p", prompt],
      resume: ["qwen", "--output-format", "stream-json", "--yolo", "--resume", "SESSION", "-p", answers]),
    Expectation(
      provider: "copilot",
      spawn: [
        "copilot", "--output-format", "json", "--allow-all-tools", "--no-ask-user", "--session-id", pinned,
        "-p",
        prompt,
      ],
      resume: [
        "copilot", "--output-format", "json", "--allow-all-tools", "--no-ask-user", "--resume=SESSION", "-p",
        answers,
      ],
      configDirVariable: "COPILOT_HOME"),
    Expectation(
      provider: "droid",
      spawn: ["droid", "exec", "--output-format", "stream-json", "--skip-permissions-unsafe", prompt],
      resume: [
        "droid", "exec", "--output-format", "stream-json", "--skip-permissions-unsafe", "--session-id",
        "SESSION",
        answers,
      ]),
    Expectation(
      provider: "kimi",
      spawn: ["kimi", "--print", "--output-format", "stream-json", "--session", pinned, "-p", prompt],
      resume: ["kimi", "--print", "--output-format", "stream-json", "--session", "SESSION", "-p", answers],
      configDirVariable: "KIMI_SHARE_DIR"),
    Expectation(
      provider: "vibe",
      spawn: ["vibe", "--output", "streaming", "--trust", "--auto-approve", "-p", prompt],
      resume: [
        "vibe", "--output", "streaming", "--trust", "--auto-approve", "--resume", "SESSION", "-p", answers,
      ],
      configDirVariable: "VIBE_HOME"),
    Expectation(
      provider: "openhands",
      spawn: ["openhands", "--headless", "--json", "--override-with-envs", "--resume", pinned, "-t", prompt],
      resume: [
        "openhands", "--headless", "--json", "--override-with-envs", "--resume", "SESSION", "-t", answers,
      ],
      configDirVariable: "OPENHANDS_PERSISTENCE_DIR"),
  ]

  static func registry() throws -> ProviderRegistry { try BuiltinProviders.registry() }

  @Test(arguments: expectations)
  func spawnArgvIsExact(_ expected: Expectation) throws {
    let provider = try Self.registry().provider(named: expected.provider)
    let request = CommandRequest(prompt: Self.prompt, workingDirectory: "/work/tree")
    let command = try provider.spawnCommand(for: request, sessionID: Self.pinned)
    #expect(command.argv == expected.spawn)
    #expect(command.workingDirectory == "/work/tree")
    #expect(
      command.standardInput
        == (expected.live.map { .live($0, prompt: Self.prompt) }
          ?? (expected.stdinPrompt ? .text(Self.prompt) : .null)))
  }

  @Test(arguments: expectations)
  func resumeArgvIsExact(_ expected: Expectation) throws {
    let provider = try Self.registry().provider(named: expected.provider)
    let request = CommandRequest(prompt: Self.answers, workingDirectory: "/work/tree")
    let command = try provider.resumeCommand(for: request, sessionID: "SESSION")
    #expect(command.argv == expected.resume)
    #expect(command.sessionID == "SESSION")
    #expect(
      command.standardInput
        == (expected.live.map { .live($0, prompt: Self.answers) }
          ?? (expected.stdinPrompt ? .text(Self.answers) : .null)))
  }

  @Test(arguments: expectations)
  func configDirectoryGoesThroughTheProvidersVariable(_ expected: Expectation) throws {
    let provider = try Self.registry().provider(named: expected.provider)
    let request = CommandRequest(
      prompt: Self.prompt, workingDirectory: "/w", configDirectory: "/home/u/.multiagent/accounts/x/1")
    let command = try provider.spawnCommand(for: request, sessionID: Self.pinned)
    #expect(provider.definition.configDirectory?.environmentVariable == expected.configDirVariable)
    if let variable = expected.configDirVariable {
      #expect(command.environment[variable] == "/home/u/.multiagent/accounts/x/1")
    }
    // The account's directory never leaks into argv.
    #expect(!command.arguments.contains { $0.contains("/accounts/") })
  }

  @Test func claudeRemovesNestingVariablesAndSetsSandboxOnlyAsRoot() throws {
    let claude = try Self.registry().provider(named: "claude")
    let user = try claude.spawnCommand(
      for: CommandRequest(prompt: "hi", workingDirectory: "/w"), sessionID: Self.pinned)
    #expect(user.unsetEnvironment == ["CLAUDECODE", "CLAUDE_CODE_ENTRYPOINT"])
    #expect(user.environment["IS_SANDBOX"] == nil)
    let root = try claude.spawnCommand(
      for: CommandRequest(prompt: "hi", workingDirectory: "/w", runningAsRoot: true), sessionID: Self.pinned)
    #expect(root.environment["IS_SANDBOX"] == "1")

    let inherited = ["CLAUDECODE": "1", "PATH": "/bin", "HOME": "/root"]
    let environment = root.resolvedEnvironment(inheriting: inherited)
    #expect(environment["CLAUDECODE"] == nil)
    #expect(environment["PATH"] == "/bin")
    #expect(environment["IS_SANDBOX"] == "1")
  }

  @Test func providerEnvironmentIsSetForGeminiAndOpenCode() throws {
    let registry = try Self.registry()
    let gemini = try registry.provider(named: "gemini").spawnCommand(
      for: CommandRequest(prompt: "p", workingDirectory: "/w"), sessionID: nil)
    #expect(gemini.environment["GEMINI_CLI_TRUST_WORKSPACE"] == "true")
    let opencode = try registry.provider(named: "opencode").spawnCommand(
      for: CommandRequest(prompt: "p", workingDirectory: "/w"), sessionID: nil)
    #expect(opencode.environment["OPENCODE_PERMISSION"] == #"{"*":"allow"}"#)
  }

  @Test func requestEnvironmentWinsAndIsNeverUnset() throws {
    let claude = try Self.registry().provider(named: "claude")
    let request = CommandRequest(
      prompt: "p", workingDirectory: "/w", environment: ["MULTIAGENT_AGENT_ID": "a1", "CLAUDECODE": "kept"],
      unsetEnvironment: ["ANTHROPIC_API_KEY"])
    let command = try claude.spawnCommand(for: request, sessionID: Self.pinned)
    #expect(command.environment["MULTIAGENT_AGENT_ID"] == "a1")
    #expect(command.unsetEnvironment == ["CLAUDE_CODE_ENTRYPOINT", "ANTHROPIC_API_KEY"])
  }

  @Test func modelAndExtraArgumentsComeBeforeTheResumeSubcommand() throws {
    let codex = try Self.registry().provider(named: "codex")
    let request = CommandRequest(
      prompt: "go on", workingDirectory: "/w", model: "gpt-5.5",
      extraArguments: ["-c", "analytics.enabled=false"])
    let command = try codex.resumeCommand(for: request, sessionID: "0199-abc")
    #expect(
      command.arguments == [
        "exec", "--json", "--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox", "--model",
        "gpt-5.5",
        "-c", "analytics.enabled=false", "resume", "0199-abc", "go on",
      ])
  }

  @Test func promptStartingWithADashIsNotReadAsAnOption() throws {
    let codex = try Self.registry().provider(named: "codex")
    let command = try codex.spawnCommand(
      for: CommandRequest(prompt: "--help me", workingDirectory: "/w"), sessionID: nil)
    #expect(command.arguments.last == " --help me")
  }

  @Test func pinnedProviderNeedsASessionID() throws {
    let claude = try Self.registry().provider(named: "claude")
    #expect(throws: ProviderError.self) {
      try claude.spawnCommand(for: CommandRequest(prompt: "p", workingDirectory: "/w"), sessionID: nil)
    }
    let fresh = try #require(claude.newPinnedSessionID())
    #expect(fresh.count == 36 && fresh == fresh.lowercased())
    #expect(try Self.registry().provider(named: "codex").newPinnedSessionID() == nil)
  }

  @Test(arguments: ["", "-rf", "../etc/passwd", "a b", "id;rm", String(repeating: "a", count: 201)])
  func unsafeSessionIDsAreRejected(_ id: String) throws {
    let claude = try Self.registry().provider(named: "claude")
    let error = #expect(throws: ProviderError.self) {
      try claude.resumeCommand(for: CommandRequest(prompt: "p", workingDirectory: "/w"), sessionID: id)
    }
    #expect(error?.code == .invalidSessionID)
  }

  @Test func providerWithoutResumeGivesAClearError() throws {
    let user = #"{"providers":{"oneshot":{"extends":"claude","binary":"oneshot","resume":{"style":"none"}}}}"#
    let definitions = try ProviderCatalog.definitions(
      builtin: BuiltinProviders.catalogJSON, user: (Array(user.utf8), "/h/providers.json"))
    let registry = try ProviderRegistry(definitions: definitions, dialects: BuiltinDialects.all)
    let provider = try registry.provider(named: "oneshot")
    let error = #expect(throws: ProviderError.self) {
      try provider.resumeCommand(for: CommandRequest(prompt: "p", workingDirectory: "/w"), sessionID: "abc")
    }
    #expect(error?.code == .resumeUnsupported)
    #expect(error?.message.contains("cannot resume") == true)
  }

  @Test func unknownProviderNamesTheValidChoices() throws {
    let error = #expect(throws: ProviderError.self) { try Self.registry().provider(named: "claud") }
    #expect(error?.code == .unknownProvider)
    #expect(
      error?.message.contains(
        "claude, codex, copilot, cursor, droid, gemini, kimi, opencode, openhands, qwen, vibe") == true)
  }
}
