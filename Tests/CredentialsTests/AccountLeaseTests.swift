import Foundation
import StateStore
import Synchronization
import TestSupport
import Testing

@testable import Credentials

/// Leases of accounts to hosts: a refreshable credential (a credential file) goes to one host at a
/// time, an API key or token to many; choosing skips what another host holds; this machine does
/// not run an account a host holds; and racing writers cannot both win one account.
@Suite struct AccountLeaseTests {
  let fixture: AccountsFixture
  var store: AccountStore { fixture.store }

  init() throws { fixture = try AccountsFixture() }

  @Test func aCredentialFileIsLeasedToOneHostAtATime() throws {
    let login = try store.add(provider: "claude", label: "login", secret: .credentialsFile)
    let first = try store.lease(accountID: login.id, host: "h1")
    #expect(first.kind == .exclusive && first.host == "h1" && first.hostAccountID == nil)
    #expect(try store.lease(accountID: login.id, host: "H1") == first, "the same host keeps its lease")

    var refused: StoreError?
    do { _ = try store.lease(accountID: login.id, host: "h2") } catch { refused = error }
    #expect(refused?.code == .accountLeased)
    #expect(refused?.message.contains("is leased to host h1") == true, "\(String(describing: refused))")
    #expect(try store.leases(accountID: login.id).map(\.host) == ["h1"])

    #expect(try store.release(accountID: login.id, host: "h1"))
    #expect(try !store.release(accountID: login.id, host: "h1"))
    #expect(try store.lease(accountID: login.id, host: "h2").host == "h2")
    let types = try store.events(accountID: login.id).map(\.type)
    #expect(types == ["added", "leased", "returned", "leased"], "\(types)")
  }

  @Test func keysAndTokensAreSharedByManyHosts() throws {
    let key = try store.add(provider: "codex", label: "key", secret: .apiKey("k"))
    let token = try store.add(provider: "claude", label: "token", secret: .token("t"))
    for host in ["h1", "h2", "h3"] {
      #expect(try store.lease(accountID: key.id, host: host).kind == .shared)
      #expect(try store.lease(accountID: token.id, host: host).kind == .shared)
    }
    #expect(try store.leases(accountID: key.id).map(\.host) == ["h1", "h2", "h3"])
    #expect(try store.exclusivelyLeasedIDs().isEmpty)
    try store.setHostAccountID("0000abcd", accountID: key.id, host: "h2")
    #expect(try store.leases(host: "h2").first { $0.accountID == key.id }?.hostAccountID == "0000abcd")
  }

  @Test func aDisabledAccountIsNotLeased() throws {
    let login = try store.add(provider: "claude", label: "login", secret: .credentialsFile)
    try store.setEnabled(id: login.id, false)
    #expect(throws: StoreError.self) { try store.lease(accountID: login.id, host: "h1") }
    #expect(try store.leases().isEmpty)
  }

  @Test func leaseNextSkipsWhatAnotherHostHoldsAndPrefersWhatThisOneHas() throws {
    let now = Date()
    let a = try store.add(provider: "claude", label: "a", secret: .credentialsFile, at: now)
    let b = try store.add(provider: "claude", label: "b", secret: .credentialsFile, at: now + 1)
    let c = try store.add(provider: "claude", label: "c", secret: .credentialsFile, at: now + 2)
    try store.lease(accountID: a.id, host: "h1")
    // h2 gets the least recently used account no other host holds.
    #expect(try store.leaseNext(provider: "claude", host: "h2", preferHeld: true)?.0.id == b.id)
    // h1 already has a: a spawn there uses it again; a waiting agent there needs another one.
    #expect(try store.leaseNext(provider: "claude", host: "h1", preferHeld: true)?.0.id == a.id)
    #expect(try store.leaseNext(provider: "claude", host: "h1", preferHeld: false)?.0.id == c.id)
    #expect(try store.leaseNext(provider: "claude", host: "h3", preferHeld: true) == nil)
    #expect(try store.leaseNext(provider: "claude", host: "h2", preferHeld: false, excluding: [b.id]) == nil)
  }

  @Test func thisMachineDoesNotRunAnAccountAHostHolds() throws {
    let a = try store.add(provider: "claude", label: "a", secret: .credentialsFile)
    let b = try store.add(provider: "claude", label: "b", secret: .credentialsFile)
    try store.lease(accountID: a.id, host: "h1")
    let policy = RotationPolicy(store: store)
    #expect(try policy.choose(provider: "claude", now: Date())?.id == b.id)
    try store.lease(accountID: b.id, host: "h2")
    #expect(!policy.canChoose(provider: "claude", pinned: nil, now: Date()))
    var pinned: CredentialError?
    do { _ = try policy.choose(provider: "claude", pinned: "a", now: Date()) } catch { pinned = error }
    #expect(pinned?.code == .noAccount && pinned?.message.contains("leased to host h1") == true)
  }

  @Test func racingWritersCannotBothLeaseOneCredential() throws {
    let login = try store.add(provider: "claude", label: "login", secret: .credentialsFile)
    let path = store.path
    let directory = store.accountsDirectory
    let winners = Mutex<[String]>([])
    let failures = Mutex<[String]>([])
    let hosts = (1...8).map { "h\($0)" }
    // Each writer has its own connection, as separate processes would.
    DispatchQueue.concurrentPerform(iterations: hosts.count) { index in
      do {
        let own = try AccountStore(databasePath: path, accountsDirectory: directory)
        _ = try own.lease(accountID: login.id, host: hosts[index])
        winners.withLock { $0.append(hosts[index]) }
      } catch let error as StoreError where error.code == .accountLeased {
        return
      } catch {
        failures.withLock { $0.append("\(error)") }
      }
    }
    #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
    let won = winners.withLock { $0 }
    #expect(won.count == 1, "\(won)")
    #expect(try store.leases(accountID: login.id).map(\.host) == won)
  }
}
