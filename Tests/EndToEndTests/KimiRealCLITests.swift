import Foundation
import TestSupport
import Testing

/// The REAL kimi-cli 1.51.0 against the fake server (OpenAI Chat Completions): its key comes from the account (`KIMI_API_KEY`), the endpoint and model from `KIMI_BASE_URL` / `KIMI_MODEL_NAME`. A 402 moves the session folder and registers the work dir in account B's `kimi.json`.
@Suite(.serialized) struct KimiRealCLITests {
  static func environment(_ server: FakeModelServer) -> [String: String] {
    ["KIMI_BASE_URL": server.baseURL + "/v1", "KIMI_MODEL_NAME": "fake-model"]
  }

  func run(_ script: String, _ body: (PythonCLIScenarios) throws -> Void) throws {
    try PythonCLIScenarios.run("kimi", script: script, prefix: "kimi", environment: Self.environment, body)
  }

  @Test(.enabled(if: RealCLIs.hasKimi, RealCLIs.skipReason))
  func helloWithAToolCallThatWritesTheSignal() throws {
    try run(PythonCLIScenarios.helloScript) { try $0.helloWithAToolCallThatWritesTheSignal() }
  }

  @Test(.enabled(if: RealCLIs.hasKimi, RealCLIs.skipReason))
  func questionsAnswerResumeTheSameSession() throws {
    try run(PythonCLIScenarios.questionsScript) { try $0.questionsAnswerResumeTheSameSession() }
  }

  @Test(.enabled(if: RealCLIs.hasKimi, RealCLIs.skipReason))
  func quotaOnAccountACompletesOnAccountB() throws {
    try run(PythonCLIScenarios.rotationScript(quota: "")) { try $0.quotaOnAccountACompletesOnAccountB() }
  }

  @Test(.enabled(if: RealCLIs.hasKimi, RealCLIs.skipReason))
  func aRateLimitIsNoExhaustion() throws {
    try run(PythonCLIScenarios.rateLimitScript) { try $0.aRateLimitIsNoExhaustion() }
  }
}
