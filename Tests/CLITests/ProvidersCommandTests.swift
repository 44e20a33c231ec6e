import Foundation
import Testing
import TestSupport

/// `multiagent providers list` and `providers show`.
@Suite struct ProvidersCommandTests {
  @Test func listShowsEveryBuiltinProviderAndMarksAFakeClaudeInstalled() throws {
    let sandbox = try CLISandbox()
    let claude = try sandbox.installFakeCLI("claude", script: "echo 1.0.0")
    let result = try sandbox.run(["providers", "list"])
    #expect(result.exitCode == 0)
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(lines.first?.hasPrefix("NAME") == true)
    for header in ["BINARY", "INSTALLED", "RESUME", "CONFIG DIR ENV"] { #expect(lines[0].contains(header)) }
    for name in builtinProviderNames {
      #expect(lines.contains { $0.hasPrefix(name + " ") }, "missing \(name)")
    }
    let claudeLine = try #require(lines.first { $0.hasPrefix("claude ") })
    #expect(claudeLine.contains(claude))
    #expect(claudeLine.contains("flag --resume"))
    #expect(claudeLine.contains("CLAUDE_CONFIG_DIR"))
    let codexLine = try #require(lines.first { $0.hasPrefix("codex ") })
    #expect(codexLine.contains("subcommand resume"))
  }

  @Test func providersWithoutSubcommandLists() throws {
    let sandbox = try CLISandbox()
    let viaGroup = try sandbox.run(["providers"])
    #expect(viaGroup.exitCode == 0)
    #expect(viaGroup.stdout == (try sandbox.run(["providers", "list"])).stdout)
  }

  @Test func listJSONHasTheDocumentedFields() throws {
    let sandbox = try CLISandbox()
    let claude = try sandbox.installFakeCLI("claude", script: "echo 1.0.0")
    let rows = try sandbox.run(["providers", "list", "--json"]).jsonArray()
    #expect(Set(rows.compactMap { $0["name"] as? String }) == Set(builtinProviderNames))
    for row in rows {
      for key in [
        "name", "display_name", "binary", "path", "installed", "resume_style", "config_dir_env", "dialect",
        "prompt_mode",
      ] {
        #expect(row.keys.contains(key), "\(row["name"] ?? "?") lacks \(key)")
      }
    }
    let claudeRow = try #require(rows.first { $0["name"] as? String == "claude" })
    #expect(claudeRow["path"] as? String == claude)
    #expect(claudeRow["installed"] as? Bool == true)
    #expect(claudeRow["resume_style"] as? String == "flag")
    #expect(claudeRow["config_dir_env"] as? String == "CLAUDE_CONFIG_DIR")
    #expect(claudeRow["version"] == nil)
    let auggie = try #require(rows.first { $0["name"] as? String == "auggie" })
    #expect(auggie["path"] is NSNull)
    #expect(auggie["installed"] as? Bool == false)
    #expect(auggie["config_dir_env"] is NSNull)
  }

  @Test func listWithVersionsRunsInstalledCLIs() throws {
    let sandbox = try CLISandbox()
    try sandbox.installFakeCLI("codex", script: "echo 'codex-cli 0.99.0'")
    let result = try sandbox.run(["providers", "list", "--versions"])
    #expect(result.exitCode == 0)
    #expect(result.stdout.contains("VERSION"))
    #expect(result.stdout.contains("codex-cli 0.99.0"))
    let rows = try sandbox.run(["providers", "--versions", "--json"]).jsonArray()
    #expect(rows.first { $0["name"] as? String == "codex" }?["version"] as? String == "codex-cli 0.99.0")
  }

  @Test func alternativeBinaryIsFoundWhenTheMainOneIsMissing() throws {
    let sandbox = try CLISandbox()
    let agent = try sandbox.installFakeCLI("agent", script: "echo 2025.1")
    let rows = try sandbox.run(["providers", "list", "--json"]).jsonArray()
    #expect(rows.first { $0["name"] as? String == "cursor" }?["path"] as? String == agent)
  }

  @Test func showCodexJSONResumesWithSubcommandAfterTheFlags() throws {
    let detail = try CLISandbox().run(["providers", "show", "codex", "--json"]).jsonObject()
    #expect(detail["name"] as? String == "codex")
    #expect(detail["binary"] as? String == "codex")
    #expect((detail["resume"] as? [String: Any])?["style"] as? String == "subcommand")
    let spawn = try #require(detail["spawn_argv"] as? [String])
    #expect(spawn.prefix(2) == ["codex", "exec"])
    #expect(spawn.last == "<prompt>")
    let resume = try #require(detail["resume_argv"] as? [String])
    #expect(resume.prefix(2) == ["codex", "exec"])
    #expect(Array(resume.suffix(3)) == ["resume", "SESSION_ID", "<prompt>"])
    #expect(resume.contains("--json"))
    let flagIndex = try #require(resume.firstIndex(of: "--json"))
    #expect(flagIndex < resume.count - 3)
  }

  @Test func showClaudePinsTheSessionIDInTheSpawnExample() throws {
    let detail = try CLISandbox().run(["providers", "show", "claude", "--json"]).jsonObject()
    let spawn = try #require(detail["spawn_argv"] as? [String])
    let index = try #require(spawn.firstIndex(of: "--session-id"))
    #expect(spawn[index + 1] == "SESSION_ID")
    let resume = try #require(detail["resume_argv"] as? [String])
    #expect(resume.contains("--resume"))
    // The prompt goes through claude's live channel (stdin), not argv.
    #expect(
      resume.suffix(5) == [
        "--input-format", "stream-json", "--permission-prompt-tool", "stdio", "--replay-user-messages",
      ])
    #expect(!resume.contains("<prompt>"))
  }

  @Test func showGeminiDescribesTheWholeDefinition() throws {
    let result = try CLISandbox().run(["providers", "show", "gemini"])
    #expect(result.exitCode == 0)
    let text = result.stdout
    #expect(text.hasPrefix("gemini — Gemini CLI"))
    for expected in [
      "binary:", "gemini-stream-json", "flag -p <prompt>", "flag --resume <session-id>",
      "$GEMINI_CLI_HOME (default ~), files in .gemini/", ".gemini/oauth_creds.json (gemini-oauth)",
      "GEMINI_API_KEY", "GEMINI_CLI_TRUST_WORKSPACE=true", "exhaustion:", "Your quota will reset after",
      "notes:", "Example spawn:", "Example resume:",
      "gemini --output-format stream-json --approval-mode yolo -p '<prompt>'",
      "--resume SESSION_ID -p '<prompt>'",
    ] {
      #expect(text.contains(expected), "missing \(expected)")
    }
  }

  @Test func unknownProviderExitsWithUsageErrorNamingChoices() throws {
    let result = try CLISandbox().run(["providers", "show", "claud"])
    #expect(result.exitCode == 2)
    #expect(result.stderr.contains("unknown provider \"claud\""))
    #expect(result.stderr.contains("did you mean \"claude\"?"))
    for name in builtinProviderNames { #expect(result.stderr.contains(name)) }
  }
}
