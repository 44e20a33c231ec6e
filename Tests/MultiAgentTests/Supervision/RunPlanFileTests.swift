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

  /// The plan is read key by key, not through `Codable`; every file reads as `JSONDecoder` reads
  /// it: the same plan, or an error where it fails (nulls, wrong types, unknown keys).
  @Test func aPlanReadsAsJSONDecoderReadsIt() throws {
    let directory = try TemporaryDirectory(prefix: "run-plan")
    let path = directory.path("run.json")
    let texts = [
      #"{"kind":"spawn","prompt":"x","sessionID":null}"#,
      #"{"kind":"spawn","prompt":"x","sessionID":5}"#,
      #"{"kind":"resume","prompt":"x","isFirstTurn":"yes"}"#,
      #"{"kind":"resume","prompt":"x","isFirstTurn":null,"request":null}"#,
      #"{"kind":"spawn","prompt":"x","extra":[1,2]}"#,
      #"{"kind":"spawn","prompt":5}"#,
      #"{"kind":"spawn","prompt":null}"#,
      #"{"kind":null,"prompt":"x"}"#,
      #"{"kind":"resume","prompt":"p","sessionID":"s","request":"r","isFirstTurn":false}"#,
      #"{"kind":"spawn","prompt":"x","request":["r"]}"#,
      "[]", "null", #""spawn""#,
    ]
    for text in texts {
      try Data(text.utf8).write(to: URL(fileURLWithPath: path))
      let expected = try? JSONDecoder().decode(RunPlan.self, from: Data(text.utf8))
      #expect((try? RunPlan.read(from: path)) == expected, "\(text)")
    }
  }
}
