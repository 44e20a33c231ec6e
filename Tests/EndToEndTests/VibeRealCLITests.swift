import Foundation
import TestSupport
import Testing

/// The REAL mistral-vibe 3.0.3 against the fake server (OpenAI Chat Completions), configured through `VIBE_*` variables only. A 402 moves the session folder and merges the content-addressed plugin store into account B's `VIBE_HOME`.
@Suite(.serialized) struct VibeRealCLITests {
  static func environment(_ server: FakeModelServer) -> [String: String] {
    let base = server.baseURL
    return [
      // A custom OpenAI-style provider whose key is the account's MISTRAL_API_KEY, and every
      // Mistral service URL pointed at the fake server.
      "VIBE_ACTIVE_MODEL": "fake",
      "VIBE_PROVIDERS":
        #"[{"name":"fake","api_base":"\#(base)/v1","api_key_env_var":"MISTRAL_API_KEY","api_style":"openai"}]"#,
      "VIBE_MODELS": #"{"fake":{"name":"fake-model","provider":"fake","alias":"fake"}}"#,
      "VIBE_VIBE_BASE_URL": base, "VIBE_CONSOLE_BASE_URL": base, "VIBE_VIBE_CODE_SESSIONS_BASE_URL": base,
      "VIBE_ENABLE_CONNECTORS": "false", "VIBE_API_RETRY_MAX_ELAPSED_TIME": "30",
    ]
  }

  func run(_ script: String, _ body: (PythonCLIScenarios) throws -> Void) throws {
    try PythonCLIScenarios.run("vibe", script: script, prefix: "vibe", environment: Self.environment, body)
  }

  @Test(.enabled(if: RealCLIs.hasVibe, RealCLIs.skipReason))
  func helloWithAToolCallThatWritesTheSignal() throws {
    try run(PythonCLIScenarios.helloScript) { try $0.helloWithAToolCallThatWritesTheSignal() }
  }

  @Test(.enabled(if: RealCLIs.hasVibe, RealCLIs.skipReason))
  func questionsAnswerResumeTheSameSession() throws {
    try run(PythonCLIScenarios.questionsScript) { try $0.questionsAnswerResumeTheSameSession() }
  }

  @Test(.enabled(if: RealCLIs.hasVibe, RealCLIs.skipReason))
  func quotaOnAccountACompletesOnAccountB() throws {
    try run(PythonCLIScenarios.rotationScript(quota: "")) { try $0.quotaOnAccountACompletesOnAccountB() }
  }

  @Test(.enabled(if: RealCLIs.hasVibe, RealCLIs.skipReason))
  func aRateLimitIsNoExhaustion() throws {
    try run(PythonCLIScenarios.rateLimitScript) { try $0.aRateLimitIsNoExhaustion() }
  }
}
