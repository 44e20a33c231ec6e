import Foundation
import JSONKit
import ProviderKit

/// The run a supervisor must start next: a fresh spawn or a resume of the agent's session.
///
/// Written (0600) by the command that starts the supervisor, read by the supervisor; holds no
/// secrets (credentials reach the CLI through its environment and config dir only).
struct RunPlan: Codable, Sendable, Hashable {
  enum Kind: String, Codable, Sendable { case spawn, resume }

  var kind: Kind
  /// The prompt: the task for a spawn, the formatted answers for a resume.
  var prompt: String
  /// The session to pin (spawn, for pinned providers) or to resume.
  var sessionID: String?
  /// The user-level request this run carries (the task or the answers), when `prompt` wraps it in a
  /// continuation after an account switch; `nil` means `prompt` itself.
  var request: String? = nil
  /// Whether this run carries the agent's first request (its task), not a later turn: only then may
  /// it start afresh on another account when the session's transcript cannot move.
  var isFirstTurn: Bool? = nil

  /// ``isFirstTurn``, absent meaning no.
  var firstTurn: Bool { isFirstTurn ?? false }

  /// The request without any continuation wrapping.
  var underlyingRequest: String { request ?? prompt }

  /// The plan that continues this one on another account after a usage limit cut it off.
  func continuation(sessionID: String?) -> RunPlan {
    let request = underlyingRequest
    let prompt =
      "Your previous turn was cut off because the account's usage limit was reached; the conversation "
      + "now continues on another account. Carry on exactly where you left off. The interrupted request was:\n\n"
      + request
    return RunPlan(
      kind: sessionID == nil ? .spawn : .resume, prompt: sessionID == nil ? request : prompt,
      sessionID: sessionID, request: sessionID == nil ? nil : request, isFirstTurn: isFirstTurn)
  }

  /// The plan as JSON: the keys of its `Codable` form, absent values left out.
  var jsonValue: JSONValue {
    var object = JSONObject(keys: ["kind", "prompt"], values: [.string(kind.rawValue), .string(prompt)])
    if let sessionID { object["sessionID"] = .string(sessionID) }
    if let request { object["request"] = .string(request) }
    if let isFirstTurn { object["isFirstTurn"] = .bool(isFirstTurn) }
    return .object(object)
  }

  func write(to path: String) throws {
    try FileSystem.writeSecure(JSONWriter.bytes(jsonValue), to: path)
  }

  /// Writes the plan to `path` as ``write(to:)`` does, through the empty staging file `staging`
  /// when there is one.
  func write(to path: String, staging: String) throws {
    try FileSystem.writeSecure(JSONWriter.bytes(jsonValue), to: path, staging: staging)
  }

  static func read(from path: String) throws -> RunPlan {
    guard let data = FileSystem.contents(atPath: path) else {
      throw AgentError(.invalidState, "the run plan \(path) is missing")
    }
    return try RunPlan(json: JSONParser.parse(Array(data)))
  }
}

extension RunPlan {
  /// Reads the plan from its JSON form (``jsonValue``; what `Codable` writes too), key by key: a
  /// supervisor reads one before every run, and the `Codable` machinery costs it a runtime lookup
  /// of the coding keys' conformance.
  init(json: JSONValue) throws(AgentError) {
    guard let object = json.objectValue, let kindName = object["kind"]?.stringValue,
      let kind = Kind(rawValue: kindName), let prompt = object["prompt"]?.stringValue
    else { throw AgentError(.invalidState, "the run plan is not an object with a known kind and a prompt") }
    func text(_ key: String) throws(AgentError) -> String? {
      guard let value = object[key], !value.isNull else { return nil }
      guard let text = value.stringValue else {
        throw AgentError(.invalidState, "the run plan's \(key) is not text")
      }
      return text
    }
    self.kind = kind
    self.prompt = prompt
    sessionID = try text("sessionID")
    request = try text("request")
    if let value = object["isFirstTurn"], !value.isNull {
      guard let flag = value.boolValue else {
        throw AgentError(.invalidState, "the run plan's isFirstTurn is not true or false")
      }
      isFirstTurn = flag
    }
  }
}
