import Foundation
import ProcessKit
import ProviderKit

/// The agent lifecycle: spawn, answer, stop, delete, dismiss, wait and reconcile.
///
/// Every operation works on the state home's SQLite store and files; running agents are watched
/// by detached ``Supervisor`` processes, so nothing is lost when this process exits.
public final class AgentManager: Sendable {
  /// The state home.
  public let home: StateHome
  /// The providers.
  public let registry: ProviderRegistry
  /// The store.
  public let store: AgentStore
  /// Whose authority the lookups and operations run with (see ``Authority``).
  public let authority: Authority
  /// How supervisors are started: the argv after the executable, given the agent id.
  let supervisorArguments: @Sendable (String, Bool) -> [String]

  /// Opens the manager for `home`, creating the home (0700) if needed.
  ///
  /// - Parameters:
  ///   - authority: whose authority it acts with: an agent's sees and acts on its children only.
  ///   - supervisorArguments: the arguments that make the running executable supervise an
  ///     agent (`["__supervise", "--home", home, id]` for the `multiagent` CLI).
  /// - Throws: ``AgentError`` when the home, the catalog or the store cannot be opened.
  public init(
    home: StateHome, authority: Authority = .user,
    supervisorArguments: @escaping @Sendable (_ agentID: String, _ adopt: Bool) -> [String]
  ) throws(AgentError) {
    self.home = home
    self.authority = authority
    self.supervisorArguments = supervisorArguments
    do { try home.create() } catch { throw AgentError(.invalidPath, error.description) }
    do { registry = try home.providerRegistry() } catch { throw AgentError(.catalog, error.description) }
    do { store = try AgentStore(home: home) } catch { throw AgentError(.store, error.description) }
  }

  /// A manager around a store this process already has open (a supervisor's), with the user's
  /// authority and the CLI's supervisor arguments.
  init(home: StateHome, sharing store: AgentStore) throws(AgentError) {
    self.home = home
    self.store = store
    authority = .user
    supervisorArguments = Self.cliSupervisorArguments(home: home.path)
    do { registry = try home.providerRegistry() } catch { throw AgentError(.catalog, error.description) }
  }

  private init(copying other: AgentManager, authority: Authority) {
    home = other.home
    registry = other.registry
    store = other.store
    supervisorArguments = other.supervisorArguments
    self.authority = authority
  }

  /// The same manager acting with `authority` (resolve it with ``Authority/resolve(environment:store:)``).
  public func scoped(to authority: Authority) -> AgentManager {
    authority == self.authority ? self : AgentManager(copying: self, authority: authority)
  }

  /// This manager with the user's authority, for cascades the caller's authority already allowed.
  var unscoped: AgentManager { scoped(to: .user) }

  // MARK: Lookups

  /// The agent called `reference` (a name or an id), if ``authority`` may act on it.
  ///
  /// - Parameter allowSelf: whether an agent may name itself (only `show` allows it).
  /// - Throws: ``AgentError/Code/notFound`` naming it; ``AgentError/Code/forbidden`` when it exists
  ///   but is not a child of the agent acting.
  public func agent(_ reference: String, allowSelf: Bool = false) throws(AgentError) -> AgentRecord {
    let found: AgentRecord?
    do { found = try store.agent(idOrName: reference) } catch { throw AgentError(.store, error.description) }
    guard let found else {
      throw AgentError(
        .notFound, "no agent named \"\(reference.prefix(80))\"; `multiagent list --all` shows them")
    }
    try authority.check(found, reference: reference, allowSelf: allowSelf)
    return found
  }

  /// Agents matching `filter`; for an agent's authority, only its children.
  public func list(_ filter: AgentStore.Filter = AgentStore.Filter()) throws(AgentError) -> [AgentRecord] {
    var filter = filter
    if let agentID = authority.agentID {
      if let parentID = filter.parentID, parentID != agentID { return [] }
      filter.parentID = agentID
    }
    do { return try store.list(filter) } catch { throw AgentError(.store, error.description) }
  }

  /// The files of agent `id`.
  public func paths(_ record: AgentRecord) -> AgentPaths { AgentPaths(home: home, id: record.id) }

  // MARK: Supervisors

  func startSupervisor(for id: String, adopt: Bool = false) throws(AgentError) {
    let paths = AgentPaths(home: home, id: id)
    do {
      let identity = try ProcessLauncher().launchCurrentExecutableDetached(
        arguments: supervisorArguments(id, adopt), environment: Self.supervisorEnvironment(),
        logFile: paths.supervisorLog,
        workingDirectory: "/")
      try store.update(id: id) { $0.supervisor = identity }
    } catch let error as ProcessError {
      throw AgentError(.process, "cannot start the supervisor: \(error.message)")
    } catch {
      throw AgentError(.store, "\(error)")
    }
  }

  /// This process's environment without the variables that name an agent: a spawn run inside an
  /// agent must not hand that agent's identity and token to the child's supervisor (nor, through
  /// it, to the child's CLI).
  static func supervisorEnvironment() -> [String: String] {
    var environment = ProcessEnvironment.current
    let removed = [
      ProcessIdentity.spawnIDVariable, Authority.agentIDVariable, Authority.tokenVariable,
      QuestionProtocol.signalFileVariable,
    ]
    for variable in removed { environment.removeValue(forKey: variable) }
    return environment
  }

  /// Starts the supervisor of an agent about to be spawned, before anything is validated, so that
  /// its start-up overlaps the spawn's work; pass it to ``spawn(_:maxRunning:supervisor:)``.
  ///
  /// - Parameter arguments: the arguments that make the running executable wait to supervise
  ///   agent `id` (the CLI's: ``cliPrelaunchArguments(home:)``).
  /// - Returns: `nil` when it cannot be started (the spawn then starts one the usual way).
  public static func prelaunchSupervisor(arguments: (_ agentID: String) -> [String]) -> PendingSupervisor? {
    let id = AgentRecord.newID()
    return PendingSupervisor.launch(
      agentID: id, arguments: arguments(id), environment: supervisorEnvironment())
  }

  /// Maps store errors to ``AgentError``.
  func storeCall<T>(_ body: () throws -> T) throws(AgentError) -> T {
    do { return try body() } catch let error as AgentError { throw error } catch {
      throw AgentError(.store, "\(error)")
    }
  }
}
