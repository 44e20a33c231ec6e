import JSONKit

/// Requests applied at most once: `answer` and `send` given a request id (`--request-id`) record it
/// in the data of the event their change writes — in the same transaction as the change where
/// there is one — and a request whose id is already recorded for the agent is not applied again.
/// A controller that delivers answers and messages to agents on other hosts retries with the same
/// id until it hears back, so each is delivered exactly once.
extension AgentManager {
  /// The longest request id accepted.
  static let maximumRequestIDLength = 128

  /// Whether an event of the agent carries `requestID` (a request applied to it).
  public func requestApplied(_ requestID: String, agentID: String) -> Bool {
    let events = (try? store.events(agentID: agentID)) ?? []
    return events.contains { $0.data?["request_id"]?.stringValue == requestID }
  }

  /// Runs `body` unless the request was applied to the agent `reference` names; when `body` fails
  /// because the request was applied meanwhile (another delivery of it won the race), that is
  /// success too.
  ///
  /// - Returns: what `body` returned, or the agent as it is when the request was applied already.
  /// - Throws: ``AgentError/Code/invalidRequestID`` for a request id that is not 1 to 128 letters,
  ///   digits, `.`, `_` or `-`; what `body` throws otherwise.
  func once(_ reference: String, requestID: String, _ body: () throws(AgentError) -> AgentRecord)
    throws(AgentError) -> AgentRecord
  {
    try Self.checkRequestID(requestID)
    let record = try agent(reference)
    if requestApplied(requestID, agentID: record.id) { return record }
    do {
      return try body()
    } catch {
      if requestApplied(requestID, agentID: record.id) { return try agent(record.id) }
      throw error
    }
  }

  /// Refuses a request id that is empty, too long, or not made of letters, digits, `.`, `_`, `-`.
  static func checkRequestID(_ requestID: String) throws(AgentError) {
    let allowed = requestID.utf8.allSatisfy { byte in
      (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
        || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: ".")
        || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }
    guard allowed, !requestID.isEmpty, requestID.utf8.count <= maximumRequestIDLength else {
      throw AgentError(
        .invalidRequestID,
        "invalid request id \"\(requestID.prefix(40))\": use 1 to \(maximumRequestIDLength) letters, digits, "
          + "'.', '_' or '-'",
        facts: ["field": "request_id"])
    }
  }

  /// An event's data: `members`, plus `request_id` when there is one; keys in sorted order.
  static func eventData(_ members: [String: JSONValue], requestID: String?) -> JSONValue {
    var all = members
    if let requestID { all["request_id"] = .string(requestID) }
    let keys = all.keys.sorted()
    return .object(JSONObject(keys: keys, values: keys.map { all[$0]! }))
  }
}
