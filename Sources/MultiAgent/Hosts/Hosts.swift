import Credentials
import StateStore

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
#if canImport(Glibc)
  import Glibc
#endif

/// The hosts of a state home — machines reached over SSH that agents can run on — and what
/// `multiagent hosts add|list|show|remove|install` (and any app) do with them.
///
/// Hosts are the user's alone: the CLI refuses them inside an agent. Their SSH state (known_hosts,
/// master sockets) lives in `<home>/ssh` (0700).
///
/// ```swift
/// let hosts = try Hosts(home: home, environment: ProcessEnvironment.current)
/// let host = try hosts.add(name: "gpu1", target: SSHTarget("me@gpu1.example")!, port: 22, identityFile: nil)
/// let statuses = await hosts.statuses(of: [host], timeout: .seconds(5))
/// ```
public struct Hosts: Sendable {
  let store: HostStore
  let agents: AgentStore
  let remoteAgents: RemoteAgentStore
  /// What was ingested of remote agents' spools: their events and local copies of their logs.
  let ledger: SpoolLedger
  /// The controller's accounts, lent to hosts (see ``AccountLease``).
  let accounts: AccountStore
  let home: StateHome
  /// The runner every SSH call of these hosts goes through.
  public let ssh: SSHRunner
  /// Answers and messages for remote agents that their hosts have not confirmed yet.
  let outbox: RemoteOutbox

  /// Opens the hosts of `home`, whose folder must exist (see ``StateHome/create()``); the database
  /// is created and migrated when needed.
  ///
  /// - Parameter environment: what `ssh` runs with (`PATH`, `HOME`, `SSH_AUTH_SOCK`, …).
  /// - Throws: `StoreError` (`cannotOpen`, `corrupt`, `schemaTooNew`, `busy`, …).
  public init(home: StateHome, environment: [String: String]) throws(StoreError) {
    let database = try StateDatabase(
      location: home.store,
      schemas: AgentStore.schemas + [HostStore.schema, RemoteAgentStore.schema, RemoteEventStore.schema])
    agents = AgentStore(database: database)
    store = HostStore(database: database)
    remoteAgents = RemoteAgentStore(database: database)
    ledger = SpoolLedger(directory: home.path + "/remote", events: RemoteEventStore(database: database))
    accounts = AccountStore(database: database, accountsDirectory: home.accountsDirectory)
    self.home = home
    ssh = SSHRunner(directory: home.path + "/ssh", environment: environment)
    outbox = RemoteOutbox(directory: home.path + "/outbox")
  }

  /// What `spawn --host` takes to pick a host by itself (see ``pickHost(timeout:)``); never a host's
  /// name.
  public static let automatic = "auto"

  /// Picks a host for a new agent: of the hosts that answer within `timeout` (asked all at once),
  /// the one with the fewest agents that are not done; on a tie, the first in the list.
  ///
  /// - Returns: the host, or nil when there are none or none answers.
  public func pickHost(timeout: Duration = .seconds(5)) async -> RemoteHost? {
    let hosts = (try? list()) ?? []
    let statuses = await self.statuses(of: hosts, timeout: timeout)
    let answering = statuses.filter(\.reachable)
    return answering.min { $0.agents < $1.agents }?.host
  }

  /// Whether `name` is a valid host name: the rules of agent names, `[a-z0-9][a-z0-9-]{0,62}`.
  public static func isValidName(_ name: String) -> Bool { AgentNames.isWellFormed(name) }

  /// Checks that `path` is a private key file multiagent may hand to ssh: a regular file, owned by
  /// this user, that neither group nor others can read or write. Its content is never read.
  ///
  /// - Returns: the absolute path (relative paths are taken from `directory`).
  /// - Throws: ``HostError`` with code `invalidIdentity`, naming the path and the fix.
  public static func checkIdentityFile(_ path: String, relativeTo directory: String) throws(HostError)
    -> String
  {
    let absolute = path.hasPrefix("/") ? path : directory + "/" + path
    var info = stat()
    guard stat(absolute, &info) == 0 else {
      throw HostError(
        .invalidIdentity, host: absolute,
        "identity file \(absolute) cannot be read (\(String(cString: strerror(errno))))")
    }
    guard info.st_mode & S_IFMT == S_IFREG else {
      throw HostError(.invalidIdentity, host: absolute, "identity file \(absolute) is not a regular file")
    }
    guard info.st_uid == geteuid(), info.st_mode & 0o077 == 0 else {
      throw HostError(
        .invalidIdentity, host: absolute,
        "identity file \(absolute) is not private (mode 0\(String(info.st_mode & 0o777, radix: 8))); "
          + "it must be yours and readable by you alone: chmod 600 \(absolute)")
    }
    return absolute
  }

  // MARK: The list

  /// Stores a new host.
  ///
  /// - Throws: `StoreError`: `nameTaken` when a host has this name, `invalidValue` for an invalid
  ///   name or a port outside 1–65535.
  @discardableResult
  public func add(name: String, target: SSHTarget, port: Int = 22, identityFile: String? = nil)
    throws(StoreError) -> RemoteHost
  {
    guard name != Self.automatic else {
      throw StoreError(
        code: .invalidValue,
        message:
          "\"\(Self.automatic)\" is not a host name: `spawn --host \(Self.automatic)` picks a host; choose another name",
        path: agents.path)
    }
    guard Self.isValidName(name) else {
      throw StoreError(
        code: .invalidValue,
        message: "invalid host name \"\(name.prefix(80))\": use 1–63 lowercase letters, digits and -, "
          + "starting with a letter or digit (e.g. gpu-1)",
        path: agents.path)
    }
    guard (1...65535).contains(port) else {
      throw StoreError(code: .invalidValue, message: "invalid port \(port): use 1–65535", path: agents.path)
    }
    let host = RemoteHost(
      name: name, user: target.user, address: target.address, port: port, identityFile: identityFile,
      createdAt: Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)))
    try store.add(host)
    return host
  }

  /// The host called `name` (ignoring ASCII case), or nil.
  public func host(named name: String) throws(StoreError) -> RemoteHost? { try store.host(named: name) }

  /// Every host, by name.
  public func list() throws(StoreError) -> [RemoteHost] { try store.list() }

  /// How many agents spawned there with `spawn --host` were not done when last seen.
  public func activeAgentCount(on host: RemoteHost) throws(StoreError) -> Int {
    try remoteAgents.list().filter {
      $0.host.lowercased() == host.name.lowercased()
        && !(AgentStatus(rawValue: $0.lastStatus)?.isTerminal ?? false)
    }.count
  }

  /// Forgets `host` and closes its master connection. Callers check ``activeAgentCount(on:)``
  /// first.
  ///
  /// - Returns: whether it was still there.
  @discardableResult
  public func remove(_ host: RemoteHost) async throws(StoreError) -> Bool {
    let removed = try store.remove(named: host.name)
    await ssh.closeMaster(of: host)
    return removed
  }
}
