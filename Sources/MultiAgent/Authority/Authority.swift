/// Who is asking: the user at a terminal (full authority), or an agent acting with its token.
///
/// Resolved once per command from the environment (``resolve(environment:store:)``):
/// - neither `MULTIAGENT_AGENT_ID` nor `MULTIAGENT_TOKEN` set (or both empty): the user, with full
///   authority;
/// - both set, and the token's SHA-256 matches the agent's stored hash while the agent has not
///   finished: that agent;
/// - anything else — a token that does not match, a missing token, an id that names no agent of this
///   home, a token without an id, or an agent that has finished — is ``AgentError/Code/forbidden``:
///   it never falls back to full authority.
///
/// An agent may list, show, wait for, answer, stop, delete, dismiss, and read the logs, result,
/// questions and events of exactly the agents it spawned (its children; not grandchildren, not its
/// siblings or parent, and not itself — except `show` of itself, which reveals nothing it does not
/// know). What it spawns becomes its child; it cannot spawn under another parent. Stopping or
/// deleting a child still cascades to the child's own descendants. Global maintenance (`cleanup`,
/// `reconcile`) is the user's. A name or id that names no agent is `not_found` (exit 1); an existing
/// agent outside its children is `forbidden` (exit 77).
///
/// This guards against agents straying outside their own work, not against a hostile process of the
/// same Unix user, which could read the state home directly.
public enum Authority: Sendable, Hashable {
  /// The user: full authority.
  case user
  /// The agent with this id, authenticated by its token.
  case agent(id: String)

  /// The variable that names the agent a process runs for.
  public static let agentIDVariable = "MULTIAGENT_AGENT_ID"
  /// The variable that holds the agent's secret token.
  public static let tokenVariable = "MULTIAGENT_TOKEN"

  /// The authority the environment carries (see ``Authority``).
  ///
  /// - Throws: ``AgentError/Code/forbidden`` for an id without a valid token (or a token without an
  ///   id); ``AgentError/Code/store`` when the database cannot be read.
  public static func resolve(environment: [String: String], store: AgentStore) throws(AgentError) -> Authority
  {
    let id = environment[agentIDVariable].flatMap { $0.isEmpty ? nil : $0 }
    let token = environment[tokenVariable].flatMap { $0.isEmpty ? nil : $0 }
    guard let id else {
      guard token == nil else {
        throw AgentError(
          .forbidden, "\(tokenVariable) is set without \(agentIDVariable); unset it to act as the user")
      }
      return .user
    }
    guard let token else {
      throw AgentError(
        .forbidden,
        "\(agentIDVariable) is set but \(tokenVariable) is missing; commands run inside an agent need its token"
      )
    }
    let record: AgentRecord?
    let storedHash: String?
    do {
      record = try store.agent(id: id)
      storedHash = try store.tokenHash(id: id)
    } catch { throw AgentError(.store, error.description) }
    // The same answer for an unknown id and a wrong token: nothing is learnt by guessing.
    guard let record, let storedHash, AgentToken.matches(token, storedHash: storedHash) else {
      throw AgentError(
        .forbidden, "\(tokenVariable) is not the token of agent \(id.prefix(80)) (\(agentIDVariable))")
    }
    guard !record.status.isTerminal else {
      throw AgentError(
        .forbidden, "agent \(record.name) is \(record.status.rawValue); its token is no longer valid")
    }
    return .agent(id: id)
  }

  /// Whether this is the user's full authority.
  public var isUser: Bool { self == .user }

  /// The agent acting, if one is.
  public var agentID: String? {
    if case .agent(let id) = self { return id }
    return nil
  }

  /// Checks that this authority may act on `record`.
  ///
  /// - Parameters:
  ///   - record: the agent acted on.
  ///   - reference: how the caller named it (for the message).
  ///   - allowSelf: whether an agent may act on itself (only `show` allows it).
  /// - Throws: ``AgentError/Code/forbidden``.
  public func check(_ record: AgentRecord, reference: String, allowSelf: Bool = false) throws(AgentError) {
    guard case .agent(let id) = self else { return }
    if record.parentID == id { return }
    if record.id == id {
      if allowSelf { return }
      throw AgentError(
        .forbidden, "an agent may not do this to itself; its token acts only on the agents it spawned")
    }
    throw AgentError(
      .forbidden,
      "\(reference.prefix(80)) is not a child of this agent; its token acts only on the agents it spawned")
  }

  /// Checks that this is the user's authority.
  ///
  /// - Parameter what: the operation, for the message (`cleanup`).
  /// - Throws: ``AgentError/Code/forbidden`` for an agent.
  public func requireUser(_ what: String) throws(AgentError) {
    guard isUser else {
      throw AgentError(.forbidden, "\(what) is for the user; an agent's token may not run it")
    }
  }
}
