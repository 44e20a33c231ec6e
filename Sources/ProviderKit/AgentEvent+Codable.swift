import Foundation
import JSONKit

// The stable JSON shape of events: `{"offset":123,"type":"assistant_text","text":"…"}`.
// Scripts and UIs build on it, so field names change only with a schema version bump.
extension AgentEvent: Codable {
  private enum CodingKeys: String, CodingKey {
    case offset, type, sessionID = "session_id", text, id, name, input, output, isError = "is_error"
    case usage, attempt, maxAttempts = "max_attempts", message, resetAt = "reset_at", questions, quota
    case request
  }

  /// Decodes an event from its stable JSON shape.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    offset = try c.decode(Int64.self, forKey: .offset)
    let type = try c.decode(String.self, forKey: .type)
    switch type {
    case "session_started": kind = .sessionStarted(id: try c.decode(String.self, forKey: .sessionID))
    case "assistant_text": kind = .assistantText(try c.decode(String.self, forKey: .text))
    case "tool_use":
      kind = .toolUse(
        id: try c.decodeIfPresent(String.self, forKey: .id), name: try c.decode(String.self, forKey: .name),
        input: try c.decode(String.self, forKey: .input))
    case "tool_result":
      kind = .toolResult(
        id: try c.decodeIfPresent(String.self, forKey: .id),
        output: try c.decode(String.self, forKey: .output),
        isError: try c.decode(Bool.self, forKey: .isError))
    case "usage": kind = .usage(try c.decode(Usage.self, forKey: .usage))
    case "retrying":
      kind = .retrying(
        attempt: try c.decodeIfPresent(Int.self, forKey: .attempt),
        maxAttempts: try c.decodeIfPresent(Int.self, forKey: .maxAttempts),
        message: try c.decode(String.self, forKey: .message))
    case "exhausted":
      let reset = try c.decodeTimeIfPresent(forKey: .resetAt)
      kind = .exhausted(
        resetAt: reset.map { Date(timeIntervalSince1970: $0) },
        message: try c.decode(String.self, forKey: .message))
    case "quota": kind = .quota(try c.decode(QuotaReading.self, forKey: .quota))
    case "question": kind = .question(try c.decode([PendingQuestion].self, forKey: .questions))
    case "permission_request":
      kind = .permissionRequest(try c.decode(PermissionRequest.self, forKey: .request))
    case "message_taken":
      kind = .messageTaken(
        id: try c.decodeIfPresent(String.self, forKey: .id), text: try c.decode(String.self, forKey: .text))
    case "result":
      kind = .result(
        text: try c.decodeIfPresent(String.self, forKey: .text),
        isError: try c.decode(Bool.self, forKey: .isError))
    case "error": kind = .error(message: try c.decode(String.self, forKey: .message))
    case "raw": kind = .raw(try c.decode(String.self, forKey: .text))
    default:
      throw DecodingError.dataCorruptedError(
        forKey: .type, in: c, debugDescription: "unknown event type \(type)")
    }
  }

  /// Encodes the event in its stable JSON shape.
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(offset, forKey: .offset)
    try c.encode(kind.name, forKey: .type)
    switch kind {
    case .sessionStarted(let id): try c.encode(id, forKey: .sessionID)
    case .assistantText(let text): try c.encode(text, forKey: .text)
    case .toolUse(let id, let name, let input):
      try c.encodeIfPresent(id, forKey: .id)
      try c.encode(name, forKey: .name)
      try c.encode(input, forKey: .input)
    case .toolResult(let id, let output, let isError):
      try c.encodeIfPresent(id, forKey: .id)
      try c.encode(output, forKey: .output)
      try c.encode(isError, forKey: .isError)
    case .usage(let usage): try c.encode(usage, forKey: .usage)
    case .retrying(let attempt, let maxAttempts, let message):
      try c.encodeIfPresent(attempt, forKey: .attempt)
      try c.encodeIfPresent(maxAttempts, forKey: .maxAttempts)
      try c.encode(message, forKey: .message)
    case .exhausted(let resetAt, let message):
      try c.encodeTimeIfPresent(resetAt?.timeIntervalSince1970, forKey: .resetAt)
      try c.encode(message, forKey: .message)
    case .quota(let reading): try c.encode(reading, forKey: .quota)
    case .question(let questions): try c.encode(questions, forKey: .questions)
    case .permissionRequest(let request): try c.encode(request, forKey: .request)
    case .messageTaken(let id, let text):
      try c.encodeIfPresent(id, forKey: .id)
      try c.encode(text, forKey: .text)
    case .result(let text, let isError):
      try c.encodeIfPresent(text, forKey: .text)
      try c.encode(isError, forKey: .isError)
    case .error(let message): try c.encode(message, forKey: .message)
    case .raw(let text): try c.encode(text, forKey: .text)
    }
  }
}
