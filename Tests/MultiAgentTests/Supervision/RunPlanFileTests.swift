import Foundation
import TestSupport
import Testing

@testable import MultiAgent

/// The run plan file: what is written reads back, and files earlier versions wrote (through
/// `JSONEncoder`) read as they were.
@Suite struct RunPlanFileTests {
  static let plans = [
    RunPlan(kind: .spawn, prompt: "Fix the \"flaky\" test\n— now", sessionID: nil, isFirstTurn: true),
    RunPlan(kind: .resume, prompt: "q1: yes", sessionID: "s-1"),
    RunPlan(kind: .resume, prompt: "cont", sessionID: "s-2", request: "the task", isFirstTurn: false),
  ]

  @Test(arguments: plans)
  func aWrittenPlanReadsBack(_ plan: RunPlan) throws {
    let directory = try TemporaryDirectory(prefix: "run-plan")
    let path = directory.path("run.json")
    try plan.write(to: path)
    #expect(try RunPlan.read(from: path) == plan)
    let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
    #expect(mode == 0o600)
  }

  @Test(arguments: plans)
  func aPlanAnEarlierVersionWroteReadsTheSame(_ plan: RunPlan) throws {
    let directory = try TemporaryDirectory(prefix: "run-plan")
    let path = directory.path("run.json")
    try JSONEncoder().encode(plan).write(to: URL(fileURLWithPath: path))
    #expect(try RunPlan.read(from: path) == plan)
  }

  @Test func aBrokenPlanIsAnError() throws {
    let directory = try TemporaryDirectory(prefix: "run-plan")
    let path = directory.path("run.json")
    for text in [#"{"kind":"fork","prompt":"x"}"#, #"{"kind":"spawn"}"#, "{", ""] {
      try Data(text.utf8).write(to: URL(fileURLWithPath: path))
      #expect(throws: (any Error).self, "\(text)") { try RunPlan.read(from: path) }
    }
    #expect(throws: AgentError.self) { try RunPlan.read(from: directory.path("missing.json")) }
  }
}
