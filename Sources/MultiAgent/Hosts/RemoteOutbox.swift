import JSONKit

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
#if canImport(Glibc)
  import Glibc
#endif

/// An answer or a message for an agent on a host, as the controller keeps it until the host has it.
public struct RemoteRequest: Sendable, Hashable {
  /// What the request does on the host.
  public enum Kind: String, Sendable, Hashable {
    /// `answer` (``payload`` is the JSON object of answers by question id, or free text).
    case answer
    /// `send` (``payload`` is the message).
    case send
  }

  /// The request id the host applies it under (at most once).
  public var id: String
  /// The host's name.
  public var host: String
  /// The agent's name here.
  public var agent: String
  /// The agent's id on the host.
  public var remoteID: String
  /// What it does.
  public var kind: Kind
  /// For an answer: whether ``payload`` is free text rather than answers by id.
  public var freeText: Bool
  /// For an answer: the provider to continue on (`answer --provider`).
  public var provider: String?
  /// What the user wrote.
  public var payload: String
  /// When it was first kept, seconds since 1970.
  public var createdAt: Double

  var json: JSONValue {
    let keys = ["agent", "created_at", "free_text", "host", "id", "kind", "payload", "provider", "remote_id"]
    return .object(
      JSONObject(
        keys: keys,
        values: [
          .string(agent), .time(createdAt), .bool(freeText), .string(host), .string(id),
          .string(kind.rawValue),
          .string(payload), provider.map { .string($0) } ?? .null, .string(remoteID),
        ]))
  }

  init?(json: JSONValue) {
    guard let id = json["id"]?.stringValue, let host = json["host"]?.stringValue,
      let agent = json["agent"]?.stringValue, let remoteID = json["remote_id"]?.stringValue,
      let kind = json["kind"]?.stringValue.flatMap(Kind.init(rawValue:)),
      let payload = json["payload"]?.stringValue
    else { return nil }
    self.init(
      id: id, host: host, agent: agent, remoteID: remoteID, kind: kind,
      freeText: json["free_text"]?.boolValue ?? false, provider: json["provider"]?.stringValue,
      payload: payload,
      createdAt: json["created_at"]?.timeValue ?? 0)
  }

  init(
    id: String, host: String, agent: String, remoteID: String, kind: Kind, freeText: Bool, provider: String?,
    payload: String, createdAt: Double
  ) {
    self.id = id
    self.host = host
    self.agent = agent
    self.remoteID = remoteID
    self.kind = kind
    self.freeText = freeText
    self.provider = provider
    self.payload = payload
    self.createdAt = createdAt
  }
}

/// Answers and messages for agents on hosts that the hosts have not confirmed yet:
/// `<home>/outbox/<time>-<id>.json`, one private file each (0600 in a 0700 folder). A request is
/// kept before it is first sent and removed once its host has it, so neither a host that cannot be
/// reached nor a controller killed in between loses it; the host applies each request id at most
/// once, so sending one again never applies it twice.
struct RemoteOutbox: Sendable {
  let directory: String

  /// Keeps `request` (before it is sent).
  func keep(_ request: RemoteRequest) throws {
    try FileSystem.makePrivateDirectory(directory)
    let stamp = String(UInt64(request.createdAt * 1_000_000))
    let name = String(repeating: "0", count: max(0, 20 - stamp.count)) + stamp + "-" + request.id + ".json"
    try FileSystem.writeSecure(JSONWriter.string(request.json), to: directory + "/" + name)
  }

  /// The requests kept for `host` (all hosts when nil), oldest first.
  func pending(host: String? = nil) -> [RemoteRequest] {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
    return names.filter { $0.hasSuffix(".json") }.sorted().compactMap { name in
      guard let data = FileSystem.contents(atPath: directory + "/" + name),
        let value = try? JSONParser.parse(Array(data)), let request = RemoteRequest(json: value)
      else { return nil }
      return host.map { request.host.lowercased() == $0.lowercased() } ?? true ? request : nil
    }
  }

  /// Whether a request waits for `host` (names are listed; nothing is read unless one might).
  func hasPending(host: String) -> Bool {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    return names.contains { $0.hasSuffix(".json") } && !pending(host: host).isEmpty
  }

  /// Removes `request` (its host has it, or refused it).
  func remove(_ request: RemoteRequest) {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
    for name in names where name.hasSuffix("-" + request.id + ".json") { unlink(directory + "/" + name) }
  }

  /// Moves `request` to `refused/` (its host refused it, or its agent is gone): kept for the user,
  /// never sent again.
  func refuse(_ request: RemoteRequest) {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
    let refused = directory + "/refused"
    guard (try? FileSystem.makePrivateDirectory(refused)) != nil else { return remove(request) }
    for name in names where name.hasSuffix("-" + request.id + ".json") {
      rename(directory + "/" + name, refused + "/" + name)
    }
  }
}
