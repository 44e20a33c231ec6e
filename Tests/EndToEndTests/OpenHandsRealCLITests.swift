import Foundation
import TestSupport
import Testing

/// The REAL openhands 1.16.0 against the fake server (OpenAI Chat Completions, not streamed): its key comes from the account (`LLM_API_KEY`), the endpoint and model from `LLM_BASE_URL` / `LLM_MODEL`. The conversation id is pinned with `--resume`; a quota error (exit 0) moves the conversation folder to account B.
@Suite(.serialized) struct OpenHandsRealCLITests {
  static func environment(_ server: FakeModelServer) -> [String: String] {
    [
      "LLM_BASE_URL": server.baseURL + "/v1", "LLM_MODEL": "openai/fake-model",
      // The public-skills clone goes to a path that does not exist instead of github.com.
      "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "url.file:///nonexistent/.insteadOf",
      "GIT_CONFIG_VALUE_0": "https://github.com/",
    ]
  }

  func run(_ script: String, _ body: (PythonCLIScenarios) throws -> Void) throws {
    try PythonCLIScenarios.run("openhands", script: script, prefix: "oh", environment: Self.environment, body)
  }

  @Test(.enabled(if: RealCLIs.hasOpenHands, RealCLIs.skipReason))
  func helloWithAToolCallThatWritesTheSignal() throws {
    try run(PythonCLIScenarios.helloScript) { try $0.helloWithAToolCallThatWritesTheSignal() }
  }

  @Test(.enabled(if: RealCLIs.hasOpenHands, RealCLIs.skipReason))
  func questionsAnswerResumeTheSameSession() throws {
    try run(PythonCLIScenarios.questionsScript) { try $0.questionsAnswerResumeTheSameSession() }
  }

  @Test(.enabled(if: RealCLIs.hasOpenHands, RealCLIs.skipReason))
  func quotaOnAccountACompletesOnAccountB() throws {
    try run(PythonCLIScenarios.rotationScript(quota: "")) { try $0.quotaOnAccountACompletesOnAccountB() }
  }

  @Test(.enabled(if: RealCLIs.hasOpenHands, RealCLIs.skipReason))
  func aRateLimitIsNoExhaustion() throws {
    try run(PythonCLIScenarios.rateLimitScript) { try $0.aRateLimitIsNoExhaustion() }
  }
}
