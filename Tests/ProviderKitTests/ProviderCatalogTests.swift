import ProviderKit
import Providers
import Testing

/// The catalog: built-ins decode, user files override a field or add a CLI, bad files say where.
@Suite struct ProviderCatalogTests {
  static let file = "/home/u/.multiagent/providers.json"

  func merged(_ user: String) throws(CatalogError) -> [String: ProviderDefinition] {
    let definitions = try ProviderCatalog.definitions(
      builtin: BuiltinProviders.catalogJSON, user: (Array(user.utf8), Self.file))
    return Dictionary(uniqueKeysWithValues: definitions.map { ($0.name, $0) })
  }

  @Test func builtinCatalogHasEveryProviderAndEachHasAParser() throws {
    let definitions = try BuiltinProviders.definitions()
    #expect(
      definitions.map(\.name) == [
        "amp", "auggie", "claude", "codex", "copilot", "cursor", "droid", "gemini", "kimi", "opencode",
        "openhands", "qwen", "vibe",
      ])
    for definition in definitions {
      #expect(BuiltinDialects.all[definition.dialect] != nil, "no parser for \(definition.dialect)")
    }
  }

  @Test func userFileOverridesOneFieldOfABuiltin() throws {
    let providers = try merged(#"{"providers":{"claude":{"binary":"/opt/claude/bin/claude"}}}"#)
    let claude = try #require(providers["claude"])
    #expect(claude.binary == "/opt/claude/bin/claude")
    #expect(claude.resume == .flag("--resume"))
    #expect(claude.configDirectory?.environmentVariable == "CLAUDE_CONFIG_DIR")
  }

  @Test func nestedObjectsMergeFieldByFieldAndNullRemoves() throws {
    let providers = try merged(
      #"{"providers":{"codex":{"credentials":{"apiKeyEnv":"OPENAI_API_KEY"},"modelFlag":null}}}"#)
    let codex = try #require(providers["codex"])
    #expect(codex.credentials.apiKeyEnvironmentVariable == "OPENAI_API_KEY")
    #expect(codex.credentials.files == [CredentialFile(path: "auth.json", format: "codex-auth")])
    #expect(codex.modelFlag == nil)
  }

  @Test func userFileAddsANewCLIWithoutRecompiling() throws {
    let user = """
      {"providers":{"mycli":{"binary":"mycli","dialect":"claude-stream-json",
        "arguments":["--json"],"prompt":{"mode":"flag","flag":"--ask"},
        "resume":{"style":"flag","flag":"--continue-session"},
        "sessionId":{"source":"event","field":"session_id"},
        "configDirectory":{"env":"MYCLI_HOME"}}}}
      """
    let definitions = try ProviderCatalog.definitions(
      builtin: BuiltinProviders.catalogJSON, user: (Array(user.utf8), Self.file))
    let registry = try ProviderRegistry(definitions: definitions, dialects: BuiltinDialects.all)
    let mycli = try registry.provider(named: "mycli")
    let command = try mycli.resumeCommand(
      for: CommandRequest(prompt: "next", workingDirectory: "/w", configDirectory: "/c"), sessionID: "s-1")
    #expect(command.argv == ["mycli", "--json", "--continue-session", "s-1", "--ask", "next"])
    #expect(command.environment["MYCLI_HOME"] == "/c")
    #expect(registry.names.contains("claude"))
  }

  @Test func extendsStartsFromABuiltin() throws {
    let providers = try merged(#"{"providers":{"claude-work":{"extends":"claude","binary":"claude-work"}}}"#)
    let work = try #require(providers["claude-work"])
    #expect(work.binary == "claude-work")
    #expect(work.dialect == "claude-stream-json")
    #expect(work.name == "claude-work")
  }

  @Test func extendsTakesAnEntryAboveButSaysSoForOneBelow() throws {
    let ordered = try merged(
      #"{"providers":{"base":{"extends":"claude","binary":"b"},"child":{"extends":"base","displayName":"Child"}}}"#
    )
    #expect(ordered["child"]?.binary == "b")
    let error = #expect(throws: CatalogError.self) {
      try merged(#"{"providers":{"a":{"extends":"b"},"b":{"extends":"a"}}}"#)
    }
    #expect(error?.description.contains("names \"b\", which this file defines further down") == true)
    #expect(error?.description.contains("cannot extend each other") == true)
    let unknown = #expect(throws: CatalogError.self) {
      try merged(#"{"providers":{"a":{"extends":"nope"}}}"#)
    }
    #expect(unknown?.description.contains("names no known provider") == true)
  }

  @Test func invalidJSONNamesTheFileAndPosition() {
    let error = #expect(throws: CatalogError.self) { try merged("{\"providers\": {\n  \"claude\": {,}}}") }
    #expect(error?.file == Self.file)
    #expect(error?.description.contains("not valid JSON (line 2") == true)
  }

  @Test func invalidFieldNamesFileProviderAndField() {
    let error = #expect(throws: CatalogError.self) {
      try merged(#"{"providers":{"claude":{"resume":{"style":"sideways"}}}}"#)
    }
    #expect(error?.file == Self.file)
    #expect(error?.provider == "claude")
    #expect(error?.field == "resume.style")
    #expect(error?.message.contains("expected flag, subcommand or none") == true)
  }

  @Test func wrongTypeNamesTheField() {
    let error = #expect(throws: CatalogError.self) {
      try merged(#"{"providers":{"codex":{"arguments":"--json"}}}"#)
    }
    #expect(error?.provider == "codex")
    #expect(error?.field == "arguments")
    #expect(error?.message.contains("wrong type") == true)
  }

  @Test func missingRequiredFieldOfANewProviderIsNamed() {
    let error = #expect(throws: CatalogError.self) {
      try merged(#"{"providers":{"half":{"binary":"half","prompt":{"mode":"positional"}}}}"#)
    }
    #expect(error?.provider == "half")
    #expect(error?.field == "dialect")
    #expect(error?.message == "is required but missing")
  }

  @Test func misspelledFieldIsAnError() {
    let error = #expect(throws: CatalogError.self) {
      try merged(#"{"providers":{"claude":{"binnary":"x"}}}"#)
    }
    #expect(error?.field == "binnary")
  }

  @Test func unknownDialectIsNamed() throws {
    let user = #"{"providers":{"weird":{"extends":"claude","dialect":"klingon"}}}"#
    let definitions = try ProviderCatalog.definitions(
      builtin: BuiltinProviders.catalogJSON, user: (Array(user.utf8), Self.file))
    let error = #expect(throws: CatalogError.self) {
      try ProviderRegistry(definitions: definitions, dialects: BuiltinDialects.all) { _ in Self.file }
    }
    #expect(error?.provider == "weird")
    #expect(error?.field == "dialect")
    #expect(error?.message.contains("claude-stream-json") == true)
  }

  @Test(arguments: ["../x", "UPPER", "has space", ""])
  func invalidProviderNamesAreRejected(_ name: String) {
    let user = #"{"providers":{"\#(name)":{"extends":"claude"}}}"#
    #expect(throws: CatalogError.self) { try merged(user) }
  }

  @Test func pinnedSessionWithoutFlagIsRejected() {
    let error = #expect(throws: CatalogError.self) {
      try merged(#"{"providers":{"claude":{"sessionId":{"source":"pinned","flag":null}}}}"#)
    }
    #expect(error?.field == "sessionId.flag")
  }
}
