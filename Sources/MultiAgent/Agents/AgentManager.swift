import Foundation
import ProcessKit
import ProviderKit
import StateStore

/// The agent lifecycle: spawn, answer, stop, delete, dismiss, wait, observe and reconcile.
///
/// Every operation works on the state home's SQLite store and files. Running agents are watched
/// by supervisors, started the way the manager's ``Supervision`` says (in this process, or as
/// detached processes of the embedder's program), so nothing is lost when this process exits.
public final class AgentManager: Sendable {
  /// The state home.
  public let home: StateHome
  /// The providers: the catalog's, and any registered in code.
  public let registry: ProviderRegistry
  /// The store.
  public let store: AgentStore
  /// Whose authority the lookups and operations run with (see ``Authority``).
  public let authority: Authority
  /// How the agents this manager starts (and the queued ones it admits) are supervised.
  public let supervision: Supervision
  /// Where failures the manager recovers from are reported.
  public let logger: any AgentLogger
  /// The machine this manager runs on (see ``MachineID``): the agents it starts are recorded as
  /// this machine's, and those of other machines sharing the store are only read.
  public let machine: String

  /// Opens the manager for `home`, creating the home (0700) if needed.
  ///
  /// - Parameters:
  ///   - registry: the providers; `nil` for the built-in catalog merged with the home's
  ///     `providers.json`. Register code providers on a registry and pass it here (and, with
  ///     ``Supervision/detached(executable:arguments:)``, to ``Supervisor/main(arguments:registry:logger:)``).
  ///   - supervision: how agents are supervised.
  ///   - authority: whose authority it acts with: an agent's sees and acts on its children only.
  ///   - logger: where failures it recovers from are reported (nowhere by default).
  ///   - machine: the machine it runs on; `nil` for ``MachineID/current(environment:)``.
  /// - Throws: ``AgentError`` when the home, the catalog or the store cannot be opened.
  public init(
    home: StateHome, registry: ProviderRegistry? = nil, supervision: Supervision,
    authority: Authority = .user, logger: any AgentLogger = SilentLogger(), machine: String? = nil
  ) throws(AgentError) {
    self.home = home
    self.authority = authority
    self.supervision = supervision
    self.logger = logger
    self.machine = machine ?? MachineID.current()
    do { try home.create() } catch { throw AgentError(.invalidPath, "\(error)", underlying: error) }
    if let registry { self.registry = registry } else { self.registry = try Self.catalog(of: home) }
    do { store = try AgentStore(home: home) } catch {
      throw AgentError(.store, error.description, underlying: error)
    }
  }

  /// A manager around a store this process already has open (a supervisor's), with the user's
  /// authority.
  init(
    home: StateHome, registry: ProviderRegistry?, supervision: Supervision, logger: any AgentLogger,
    sharing store: AgentStore, machine: String
  ) throws(AgentError) {
    self.home = home
    self.store = store
    self.supervision = supervision
    self.logger = logger
    self.machine = machine
    authority = .user
    if let registry { self.registry = registry } else { self.registry = try Self.catalog(of: home) }
  }

  /// The built-in catalog merged with the home's `providers.json`.
  static func catalog(of home: StateHome) throws(AgentError) -> ProviderRegistry {
    do { return try home.providerRegistry() } catch {
      throw AgentError(.catalog, error.description, underlying: error)
    }
  }

  private init(copying other: AgentManager, authority: Authority) {
    home = other.home
    registry = other.registry
    store = other.store
    supervision = other.supervision
    logger = other.logger
    machine = other.machine
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
    let found = try storeCall { try store.agent(idOrName: reference) }
    guard let found else {
      throw AgentError(
        .notFound, "no agent named \"\(reference.prefix(80))\"",
        facts: ["agent": String(reference.prefix(80))])
    }
    try authority.check(found, reference: reference, allowSelf: allowSelf)
    return found
  }

  /// Agents matching `filter`; for an agent's authority, only its children.
  public func list(_ filter: AgentStore.Filter = AgentStore.Filter()) throws(AgentError) -> [AgentRecord] {
    guard let filter = scoped(filter) else { return [] }
    return try storeCall { try store.list(filter) }
  }

  /// The agents matching `filter` that this manager may see, as the UTF-8 text of one JSON array
  /// of their records (the form `AgentRecord.writeJSON(to:)` writes, in ``list(_:)``'s order):
  /// made straight from the database, several times faster than encoding ``list(_:)``'s records.
  public func listJSON(_ filter: AgentStore.Filter = AgentStore.Filter()) throws(AgentError) -> [UInt8] {
    guard let filter = scoped(filter) else { return Array("[]".utf8) }
    return try storeCall { try store.listJSON(filter) }
  }

  /// Writes what ``listJSON(_:)`` returns in pieces as they are made (see
  /// ``AgentStore/writeListJSON(_:chunkSize:to:)``): the same text and errors, nothing written
  /// before an error.
  public func writeListJSON(
    _ filter: AgentStore.Filter = AgentStore.Filter(), to write: (UnsafeBufferPointer<UInt8>) -> Void
  ) throws(AgentError) {
    guard let filter = scoped(filter) else { return Array("[]".utf8).withUnsafeBufferPointer { write($0) } }
    try storeCall { try store.writeListJSON(filter, to: write) }
  }

  /// `filter` narrowed to what this manager's authority may see: inside an agent, its own
  /// children only; nil when that leaves nothing.
  private func scoped(_ filter: AgentStore.Filter) -> AgentStore.Filter? {
    var filter = filter
    if let agentID = authority.agentID {
      if let parentID = filter.parentID, parentID != agentID { return nil }
      filter.parentID = agentID
    }
    return filter
  }

  /// The files of agent `id`.
  public func paths(_ record: AgentRecord) -> AgentPaths { AgentPaths(home: home, id: record.id) }

  /// Maps store errors to ``AgentError``, keeping the store's error as the underlying one.
  func storeCall<T>(_ body: () throws -> T) throws(AgentError) -> T {
    do { return try body() } catch let error as AgentError { throw error } catch {
      throw AgentError(.store, "\(error)", underlying: error as? StoreError)
    }
  }
}
