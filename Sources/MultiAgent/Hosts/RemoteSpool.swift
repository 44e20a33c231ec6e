import JSONKit
import ProviderKit

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// What a controller asks a host's multiagent for (`multiagent __spool`, the request on standard
/// input): for each of its agents there, what follows the offsets it has already ingested.
///
/// The host's spool is what it keeps anyway and only appends to: each agent's raw log (read by byte
/// offset) and its events (read by the host's event id, a per-host sequence).
public struct SpoolRequest: Sendable, Hashable {
  /// Where the controller is in one agent's spool.
  public struct Cursor: Sendable, Hashable {
    /// The agent's id on the host.
    public var agentID: String
    /// How many bytes of its log the controller holds: the host sends what follows.
    public var logOffset: Int64
    /// The host sequence of the last event the controller holds (0: none).
    public var eventsAfter: Int64
    /// Where to parse the log from (the start of a line), or nil for no parsing.
    public var parseFrom: Int64?
    /// Whether a last line without its newline is parsed too (it is anyway once the agent settled).
    public var parseFinal: Bool

    /// Creates a cursor.
    public init(
      agentID: String, logOffset: Int64, eventsAfter: Int64, parseFrom: Int64? = nil, parseFinal: Bool = false
    ) {
      self.agentID = agentID
      self.logOffset = logOffset
      self.eventsAfter = eventsAfter
      self.parseFrom = parseFrom
      self.parseFinal = parseFinal
    }
  }

  /// One cursor per agent.
  public var cursors: [Cursor]
  /// The most log bytes one answer carries, all agents together.
  public var logByteLimit: Int
  /// The most events one answer carries, all agents together.
  public var eventLimit: Int

  /// The most bytes of events (as JSON) one answer carries, besides its first event.
  public static let eventByteLimit = 256 * 1024

  /// Creates a request; the limits keep one answer well under what one SSH call reads (1 MiB): log
  /// bytes travel in base64 (4/3 of their size), events up to ``eventByteLimit``.
  public init(cursors: [Cursor], logByteLimit: Int = 256 * 1024, eventLimit: Int = 400) {
    self.cursors = cursors
    self.logByteLimit = logByteLimit
    self.eventLimit = eventLimit
  }

  /// `{"agents":[{"id","log_offset","events_after","parse_from"?,"parse_final"?}],"log_bytes","events"}`.
  public var jsonValue: JSONValue {
    let agents: [JSONValue] = cursors.map { cursor in
      var object = JSONObject(
        keys: ["events_after", "id", "log_offset"],
        values: [
          .number(Double(cursor.eventsAfter)), .string(cursor.agentID), .number(Double(cursor.logOffset)),
        ])
      if let from = cursor.parseFrom {
        object["parse_final"] = .bool(cursor.parseFinal)
        object["parse_from"] = .number(Double(from))
      }
      return .object(object)
    }
    return .object(
      JSONObject(
        keys: ["agents", "events", "log_bytes"],
        values: [.array(agents), .number(Double(eventLimit)), .number(Double(logByteLimit))]))
  }

  /// The request in `value`, or nil when it is not one (limits are clamped to sane bounds).
  public init?(json value: JSONValue) {
    guard let agents = value["agents"]?.arrayValue else { return nil }
    var cursors: [Cursor] = []
    for agent in agents {
      guard let id = agent["id"]?.stringValue, let offset = agent["log_offset"]?.doubleValue,
        let after = agent["events_after"]?.doubleValue, offset >= 0, after >= 0,
        (agent["parse_from"]?.doubleValue ?? 0) >= 0
      else { return nil }
      cursors.append(
        Cursor(
          agentID: id, logOffset: Int64(offset), eventsAfter: Int64(after),
          parseFrom: agent["parse_from"]?.doubleValue.map { Int64($0) },
          parseFinal: agent["parse_final"]?.boolValue ?? false))
    }
    self.init(
      cursors: cursors,
      logByteLimit: min(max(value["log_bytes"]?.intValue ?? 256 * 1024, 1), 384 * 1024),
      eventLimit: min(max(value["events"]?.intValue ?? 400, 1), 1000))
  }
}

/// What a host sent for one agent: its log from the offset asked, and its events after the one asked.
public struct SpoolChunk: Sendable, Hashable {
  /// The agent's id on the host.
  public var agentID: String
  /// Whether the host has this agent; nothing else is meaningful when it has not.
  public var found: Bool
  /// The agent's status on the host, read before its log: once it is settled, the log is whole.
  public var status: String?
  /// Where ``log`` starts in the host's log.
  public var logOffset: Int64
  /// Bytes of the host's log from ``logOffset`` on.
  public var log: [UInt8]
  /// The length of the host's log when it was read.
  public var logSize: Int64
  /// Events after the one asked, oldest first; each `id` is its host sequence.
  public var events: [StoredEvent]
  /// The events the host's parser made of the log's lines from the cursor's `parseFrom` (nil when
  /// no parse was asked), each with its line's byte offset.
  public var parsed: [AgentEvent]?
  /// Where the next parse starts: the first line not parsed yet.
  public var parsedTo: Int64
  /// Whether a limit stopped the parse before the log's end: ask again from ``parsedTo`` at once.
  public var parsedMore: Bool

  /// Creates a chunk.
  public init(
    agentID: String, found: Bool, status: String? = nil, logOffset: Int64 = 0, log: [UInt8] = [],
    logSize: Int64 = 0, events: [StoredEvent] = [], parsed: [AgentEvent]? = nil, parsedTo: Int64 = 0,
    parsedMore: Bool = false
  ) {
    self.parsed = parsed
    self.parsedTo = parsedTo
    self.parsedMore = parsedMore
    self.agentID = agentID
    self.found = found
    self.status = status
    self.logOffset = logOffset
    self.log = log
    self.logSize = logSize
    self.events = events
  }

  var jsonValue: JSONValue {
    var object = JSONObject(
      keys: ["events", "found", "id", "log", "log_offset", "log_size", "status"],
      values: [
        .array(events.map(\.jsonValue)), .bool(found), .string(agentID),
        .string(Data(log).base64EncodedString()), .number(Double(logOffset)), .number(Double(logSize)),
        status.map { .string($0) } ?? .null,
      ])
    if let parsed {
      let encoder = JSONEncoder()
      object["parsed"] = .array(
        parsed.compactMap { event in
          (try? encoder.encode(event)).flatMap { try? JSONParser.parse([UInt8]($0)) }
        })
      object["parsed_more"] = .bool(parsedMore)
      object["parsed_to"] = .number(Double(parsedTo))
    }
    return .object(object)
  }

  init?(json value: JSONValue) {
    guard let id = value["id"]?.stringValue, let found = value["found"]?.boolValue else { return nil }
    let log = value["log"]?.stringValue.flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) }
    guard let log else { return nil }
    var events: [StoredEvent] = []
    for event in value["events"]?.arrayValue ?? [] {
      guard let decoded = StoredEvent(spoolJSON: event) else { return nil }
      events.append(decoded)
    }
    var parsed: [AgentEvent]?
    if let array = value["parsed"]?.arrayValue {
      let decoder = JSONValueDecoder()
      parsed = try? array.map { try decoder.decode(AgentEvent.self, from: $0) }
      if parsed == nil { return nil }
    }
    self.init(
      agentID: id, found: found, status: value["status"]?.stringValue,
      logOffset: Int64(value["log_offset"]?.doubleValue ?? 0), log: log,
      logSize: Int64(value["log_size"]?.doubleValue ?? 0), events: events, parsed: parsed,
      parsedTo: Int64(value["parsed_to"]?.doubleValue ?? 0),
      parsedMore: value["parsed_more"]?.boolValue ?? false)
  }
}

/// A host's answer to a ``SpoolRequest``.
public struct SpoolResponse: Sendable, Hashable {
  /// One chunk per cursor asked, in the same order.
  public var chunks: [SpoolChunk]
  /// Whether a limit cut the answer short: ask again from the new offsets for the rest.
  public var more: Bool

  /// Creates a response.
  public init(chunks: [SpoolChunk], more: Bool) {
    self.chunks = chunks
    self.more = more
  }

  /// `{"agents":[{"id","found","status","log_offset","log" (base64),"log_size","events"}],"more"}`.
  public var jsonValue: JSONValue {
    .object(JSONObject(keys: ["agents", "more"], values: [.array(chunks.map(\.jsonValue)), .bool(more)]))
  }

  /// The response in `value`, or nil when it is not one.
  public init?(json value: JSONValue) {
    guard let agents = value["agents"]?.arrayValue, let more = value["more"]?.boolValue else { return nil }
    var chunks: [SpoolChunk] = []
    for agent in agents {
      guard let chunk = SpoolChunk(json: agent) else { return nil }
      chunks.append(chunk)
    }
    self.init(chunks: chunks, more: more)
  }
}

extension StoredEvent {
  /// An event from its ``jsonValue``, or nil when `value` is not one.
  init?(spoolJSON value: JSONValue) {
    guard let id = value["id"]?.doubleValue, let agentID = value["agent_id"]?.stringValue,
      let time = value["time"]?.timeValue, let type = value["type"]?.stringValue
    else { return nil }
    let data = value["data"].flatMap { $0.isNull ? nil : $0 }
    self.init(
      id: Int64(id), agentID: agentID, time: Date(timeIntervalSince1970: time),
      type: EventType(rawValue: type),
      fromStatus: value["from_status"]?.stringValue.flatMap(AgentStatus.init(rawValue:)),
      toStatus: value["to_status"]?.stringValue.flatMap(AgentStatus.init(rawValue:)),
      message: value["message"]?.stringValue, data: data)
  }
}
