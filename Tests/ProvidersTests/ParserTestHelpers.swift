import Foundation
import ProviderKit
import Testing

@testable import Providers

/// Where this target's fixtures live.
let fixturesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .appendingPathComponent("Fixtures")

/// The sidecar of a fixture transcript (`<scenario>.meta.json`).
struct FixtureMeta: Decodable {
  var recordedAt: Double
  var tz: String
  var resetEpoch: Double?
  var sessionID: String?
  var exitCode: Int?

  enum CodingKeys: String, CodingKey {
    case recordedAt = "recorded_at", tz, resetEpoch = "reset_epoch", sessionID = "session_id"
    case exitCode = "exit_code"
  }

  var now: Date { Date(timeIntervalSince1970: recordedAt) }
  var timeZone: TimeZone { TimeZone(identifier: tz) ?? TimeZone(secondsFromGMT: 0)! }
  var resetAt: Date? { resetEpoch.map { Date(timeIntervalSince1970: $0) } }
}

/// A transcript fixture: the CLI's stdout bytes and its sidecar.
struct Fixture {
  var bytes: [UInt8]
  var meta: FixtureMeta

  init(_ provider: String, _ scenario: String) throws {
    let directory = fixturesDirectory.appendingPathComponent(provider)
    bytes = Array(try Data(contentsOf: directory.appendingPathComponent("\(scenario).jsonl")))
    meta = try JSONDecoder().decode(
      FixtureMeta.self, from: Data(contentsOf: directory.appendingPathComponent("\(scenario).meta.json")))
  }
}

/// The fixture's lines decoded by Foundation: an independent reading to compare the parser with.
func fixtureObjects(_ provider: String, _ scenario: String) throws -> [[String: Any]] {
  let fixture = try Fixture(provider, scenario)
  return try fixture.bytes.split(separator: UInt8(ascii: "\n")).map { line in
    try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
  }
}

/// The built-in definition of `provider`.
func definition(_ provider: String) throws -> ProviderDefinition {
  try #require(try BuiltinProviders.definitions().first { $0.name == provider })
}

/// A context with `provider`'s built-in exhaustion rules and a fixed clock.
func context(_ provider: String, now: Date, timeZone: TimeZone = TimeZone(identifier: "UTC")!) throws
  -> ParserContext
{
  ParserContext(now: { now }, timeZone: timeZone, exhaustionRules: try definition(provider).exhaustion)
}

/// Runs `provider`'s parser (chosen through its dialect, as the registry does) over `bytes`,
/// split into lines the way the output log is tailed.
func parse(_ provider: String, _ bytes: [UInt8], context: ParserContext) throws -> [AgentEvent] {
  let factory = try #require(BuiltinDialects.all[try definition(provider).dialect])
  var parser = factory(context)
  var splitter = LineSplitter()
  var events: [AgentEvent] = []
  for line in splitter.feed(bytes) { events += parser.parse(line: line.bytes, offset: line.offset) }
  if let last = splitter.finish() { events += parser.parse(line: last.bytes, offset: last.offset) }
  return events
}

/// Parses `text` (lines separated by newlines).
func parse(_ provider: String, _ text: String, context: ParserContext) throws -> [AgentEvent] {
  try parse(provider, Array(text.utf8), context: context)
}

/// Parses a fixture with its recording time and zone as the context.
func parse(_ provider: String, fixture: Fixture) throws -> [AgentEvent] {
  try parse(
    provider, fixture.bytes,
    context: context(provider, now: fixture.meta.now, timeZone: fixture.meta.timeZone))
}

/// Parses a fixture file of `provider`.
func parseFixture(_ provider: String, _ scenario: String) throws -> (events: [AgentEvent], meta: FixtureMeta)
{
  let fixture = try Fixture(provider, scenario)
  return (try parse(provider, fixture: fixture), fixture.meta)
}

extension Array where Element == AgentEvent {
  var kinds: [AgentEvent.Kind] { map(\.kind) }
  var names: [String] { map(\.kind.name) }

  var sessionIDs: [String] {
    compactMap { if case .sessionStarted(let id) = $0.kind { id } else { nil } }
  }
  var texts: [String] {
    compactMap { if case .assistantText(let text) = $0.kind { text } else { nil } }
  }
  var errors: [String] {
    compactMap { if case .error(let message) = $0.kind { message } else { nil } }
  }
  var exhaustions: [(resetAt: Date?, message: String)] {
    compactMap { if case .exhausted(let resetAt, let message) = $0.kind { (resetAt, message) } else { nil } }
  }
  var retries: [(attempt: Int?, maxAttempts: Int?, message: String)] {
    compactMap {
      if case .retrying(let attempt, let maximum, let message) = $0.kind {
        (attempt, maximum, message)
      } else {
        nil
      }
    }
  }
  var toolUses: [(id: String?, name: String, input: String)] {
    compactMap { if case .toolUse(let id, let name, let input) = $0.kind { (id, name, input) } else { nil } }
  }
  var toolResults: [(id: String?, output: String, isError: Bool)] {
    compactMap {
      if case .toolResult(let id, let output, let isError) = $0.kind { (id, output, isError) } else { nil }
    }
  }
  var usages: [Usage] {
    compactMap { if case .usage(let usage) = $0.kind { usage } else { nil } }
  }
  var results: [(text: String?, isError: Bool)] {
    compactMap { if case .result(let text, let isError) = $0.kind { (text, isError) } else { nil } }
  }
  var questions: [[PendingQuestion]] {
    compactMap { if case .question(let questions) = $0.kind { questions } else { nil } }
  }
  var raws: [String] {
    compactMap { if case .raw(let text) = $0.kind { text } else { nil } }
  }
}

/// A UTC calendar date-time.
func utc(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0, _ second: Int = 0) -> Date
{
  date(year, month, day, hour, minute, second, zone: "UTC")
}

/// A date-time in the IANA zone `zone`.
func date(
  _ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0, _ second: Int = 0, zone: String
) -> Date {
  var calendar = Calendar(identifier: .gregorian)
  calendar.timeZone = TimeZone(identifier: zone)!
  return calendar.date(
    from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))!
}
