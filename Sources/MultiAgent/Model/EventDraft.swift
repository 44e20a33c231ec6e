import JSONKit

/// An event to record with a change to the agent, in the same write transaction (see
/// ``AgentStore/transition(id:_:message:data:alsoRecording:_:)`` and
/// ``AgentStore/update(id:alsoRecording:_:)``): its type, message and data; the store gives it its
/// id and time.
public struct EventDraft: Sendable, Hashable {
  /// What kind of event.
  public var type: StoredEvent.EventType
  /// A line for people.
  public var message: String?
  /// Its details.
  public var data: JSONValue?

  /// An event to record.
  public init(type: StoredEvent.EventType, message: String? = nil, data: JSONValue? = nil) {
    self.type = type
    self.message = message
    self.data = data
  }
}
