import JSONKit
import ProviderKit

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// One row of the `events` table: something that happened to an agent (a status change, its
/// creation, or anything else a component records), in the order it was stored.
///
/// JSON keys are snake_case; `time` is ISO-8601 text in UTC with milliseconds.
public struct StoredEvent: Sendable, Hashable, Codable, Identifiable {
  /// What kind of event: a snake_case name. The store writes ``created`` and ``statusChanged``;
  /// other components may record their own names.
  public struct EventType: RawRepresentable, Sendable, Hashable, Codable, ExpressibleByStringLiteral,
    CustomStringConvertible
  {
    /// The name.
    public var rawValue: String

    /// A type with this name.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// A type with this name.
    public init(stringLiteral value: String) { self.rawValue = value }

    /// The agent was created (`to_status` is its first status).
    public static let created: EventType = "created"
    /// Its status changed from `from_status` to `to_status`.
    public static let statusChanged: EventType = "status_changed"
    /// A run of the CLI started on the account in `data` (`provider`, `account`, `label`, `kind`,
    /// `session_id`; `account` null: the user's own environment).
    public static let accountSelected: EventType = "account_selected"
    /// The agent continues on another provider (`data`: `from`, `to`, `reason`, `from_session_id`,
    /// `from_account`, `log_offset` — where the new provider's output starts in the log).
    public static let providerSwitched: EventType = "provider_switched"

    /// The name.
    public var description: String { rawValue }

    /// Decodes the name from a string.
    public init(from decoder: any Decoder) throws {
      rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    /// Encodes the name as a string.
    public func encode(to encoder: any Encoder) throws {
      var container = encoder.singleValueContainer()
      try container.encode(rawValue)
    }
  }

  /// Increasing, never reused: follow the stream by asking for events after the last id seen.
  public var id: Int64
  /// The agent it belongs to.
  public var agentID: String
  /// When it was stored.
  public var time: Date
  /// What kind of event.
  public var type: EventType
  /// The status before, for status changes.
  public var fromStatus: AgentStatus?
  /// The status after, for status changes and creation.
  public var toStatus: AgentStatus?
  /// A line for people, if any.
  public var message: String?
  /// Structured details, if any.
  public var data: JSONValue?

  /// Creates an event.
  public init(
    id: Int64, agentID: String, time: Date, type: EventType, fromStatus: AgentStatus? = nil,
    toStatus: AgentStatus? = nil, message: String? = nil, data: JSONValue? = nil
  ) {
    self.id = id
    self.agentID = agentID
    self.time = time
    self.type = type
    self.fromStatus = fromStatus
    self.toStatus = toStatus
    self.message = message
    self.data = data
  }

  enum CodingKeys: String, CodingKey {
    case id
    case agentID = "agent_id"
    case time, type
    case fromStatus = "from_status"
    case toStatus = "to_status"
    case message, data
  }

  /// Decodes an event; `time` is ISO-8601 text or seconds since 1970.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    self.init(
      id: try c.decode(Int64.self, forKey: .id),
      agentID: try c.decode(String.self, forKey: .agentID),
      time: Date(timeIntervalSince1970: try c.decodeTime(forKey: .time)),
      type: try c.decode(EventType.self, forKey: .type),
      fromStatus: try c.decodeIfPresent(AgentStatus.self, forKey: .fromStatus),
      toStatus: try c.decodeIfPresent(AgentStatus.self, forKey: .toStatus),
      message: try c.decodeIfPresent(String.self, forKey: .message),
      data: try c.decodeIfPresent(JSONValue.self, forKey: .data).flatMap { $0.isNull ? nil : $0 })
  }

  /// Encodes every key (nil as `null`); `time` as ISO-8601 text.
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(id, forKey: .id)
    try c.encode(agentID, forKey: .agentID)
    try c.encodeTime(time.timeIntervalSince1970, forKey: .time)
    try c.encode(type, forKey: .type)
    try c.encode(fromStatus, forKey: .fromStatus)
    try c.encode(toStatus, forKey: .toStatus)
    try c.encode(message, forKey: .message)
    try c.encode(data, forKey: .data)
  }
}
