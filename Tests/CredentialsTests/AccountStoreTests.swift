import Foundation
import StateStore
import TestSupport
import Testing

@testable import Credentials

/// A temporary home with an account store on `<home>/state.db`.
struct AccountsFixture {
  let directory: TemporaryDirectory
  let store: AccountStore

  init() throws {
    directory = try TemporaryDirectory(prefix: "accounts")
    store = try AccountStore(home: directory.url.path)
  }

  var home: String { directory.url.path }

  /// Every value of every column of `table` except `secret`, as text.
  func nonSecretValues(of table: String) throws -> [String] {
    try store.database.read { (connection) throws(StoreError) -> [String] in
      let columns = try connection.query("SELECT name FROM pragma_table_info('\(table)')") {
        $0.string(0) ?? ""
      }
      .filter { $0 != "secret" }
      let sql = "SELECT " + columns.map { "CAST(\($0) AS TEXT)" }.joined(separator: ", ") + " FROM \(table)"
      return try connection.query(sql) { row in
        (0..<Int32(columns.count)).compactMap { row.string($0) }
      }.flatMap { $0 }
    }
  }
}

/// The account store: rows round-trip, labels are unique per provider, references resolve, state
/// changes keep their rules, and secrets stay in the `secret` column.
@Suite struct AccountStoreTests {
  let fixture: AccountsFixture
  var store: AccountStore { fixture.store }

  init() throws {
    fixture = try AccountsFixture()
  }

  @Test func accountsRoundTripWithoutTheirSecret() throws {
    let created = Date(timeIntervalSince1970: 1_700_000_000.5)
    let added = try store.add(
      provider: "claude", label: "work", secret: .apiKey("sk-ant-SECRET-1"), at: created)
    #expect(added.id.count == 8 && added.id.allSatisfy(\.isHexDigit))
    #expect(added.kind == .apiKey && added.status == .available && added.createdAt == created)
    #expect(added.configDirectory == fixture.home + "/accounts/claude/" + added.id)
    #expect(try store.account(id: added.id) == added)
    #expect(try store.account(provider: "claude", label: "WORK") == added)
    #expect(try store.secret(id: added.id) == .apiKey("sk-ant-SECRET-1"))

    let token = try store.add(provider: "claude", label: "personal", secret: .token("tok-SECRET-2"))
    let file = try store.add(provider: "codex", label: "work", secret: .credentialsFile)
    #expect(try store.secret(id: token.id) == .token("tok-SECRET-2"))
    #expect(try store.secret(id: file.id) == .credentialsFile)
    #expect(try store.list(provider: "claude").map(\.id) == [added.id, token.id])
    #expect(try store.list().map(\.provider) == ["claude", "claude", "codex"])

    // A second connection reads the same.
    #expect(try AccountStore(home: fixture.home).account(id: file.id) == file)

    let updated = try store.update(id: added.id) { $0.label = "office" }
    #expect(updated.label == "office")
    #expect(try store.account(id: added.id)?.label == "office")
    #expect(try store.secret(id: added.id) == .apiKey("sk-ant-SECRET-1"))

    try store.replaceSecret(id: added.id, .apiKey("sk-ant-SECRET-3"))
    #expect(try store.secret(id: added.id) == .apiKey("sk-ant-SECRET-3"))
    #expect(throws: StoreError.self) { try store.replaceSecret(id: added.id, .token("x")) }

    #expect(try store.remove(id: added.id))
    #expect(try store.account(id: added.id) == nil)
    #expect(try store.events(accountID: added.id).isEmpty)
    #expect(try !store.remove(id: added.id))
  }

  @Test func labelsAreUniquePerProviderIgnoringCase() throws {
    let first = try store.add(provider: "claude", label: "work", secret: .apiKey("k1"))
    let duplicate = #expect(throws: StoreError.self) {
      try store.add(provider: "claude", label: "Work", secret: .apiKey("k2"))
    }
    #expect(duplicate?.code == .nameTaken)
    #expect(duplicate?.message.contains(first.id) == true)
    #expect(duplicate?.message.contains("k2") == false)
    // Another provider may use the same label.
    let codex = try store.add(provider: "codex", label: "work", secret: .apiKey("k3"))

    let personal = try store.add(provider: "claude", label: "personal", secret: .apiKey("k4"))
    let relabel = #expect(throws: StoreError.self) { try store.update(id: personal.id) { $0.label = "WORK" } }
    #expect(relabel?.code == .nameTaken)

    for bad in ["", "has space", "-dash", String(repeating: "x", count: 65), "tab\t", "ünï"] {
      let error = #expect(throws: StoreError.self) {
        try store.add(provider: "claude", label: bad, secret: .apiKey("k"))
      }
      #expect(error?.code == .invalidValue)
    }
    #expect(throws: StoreError.self) {
      try store.add(provider: "claude", label: "empty", secret: .apiKey(""))
    }
    #expect(AccountStore.isValidLabel("me+ci@example.com"))

    // References: an id, or a label (ambiguous across providers unless the provider is named).
    #expect(try store.account(reference: first.id)?.id == first.id)
    #expect(try store.account(reference: "personal")?.id == personal.id)
    #expect(try store.account(reference: "work", provider: "codex")?.id == codex.id)
    #expect(try store.account(reference: first.id, provider: "codex") == nil)
    #expect(try store.account(reference: "nope") == nil)
    let ambiguous = #expect(throws: StoreError.self) { try store.account(reference: "work") }
    #expect(ambiguous?.code == .invalidValue)
  }

  @Test func exhaustionNeverMovesAnEarlierResetAndResetsClearIt() throws {
    let account = try store.add(provider: "codex", label: "a", secret: .apiKey("k"))
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let later = now.addingTimeInterval(7200)
    var stored = try store.markExhausted(id: account.id, until: later, reason: "5-hour limit", at: now)
    #expect(stored.status == .exhausted && stored.exhaustedUntil == later)
    stored = try store.markExhausted(
      id: account.id, until: now.addingTimeInterval(60), reason: "again", at: now)
    #expect(stored.exhaustedUntil == later)
    stored = try store.markExhausted(
      id: account.id, until: later.addingTimeInterval(60), reason: nil, at: now)
    #expect(stored.exhaustedUntil == later.addingTimeInterval(60))

    // Disabling keeps the reset; enabling before it comes back exhausted, after it available.
    stored = try store.setEnabled(id: account.id, false, at: now)
    #expect(stored.status == .disabled && stored.exhaustedUntil != nil)
    stored = try store.markExhausted(id: account.id, until: later, reason: nil, at: now)
    #expect(stored.status == .disabled)
    stored = try store.setEnabled(id: account.id, true, at: now)
    #expect(stored.status == .exhausted)
    stored = try store.setEnabled(id: account.id, false, at: now)
    stored = try store.setEnabled(id: account.id, true, at: later.addingTimeInterval(3600))
    #expect(stored.status == .available && stored.exhaustedUntil == nil)

    stored = try store.markExhausted(id: account.id, until: later, reason: nil, at: now)
    stored = try store.clearExhaustion(id: account.id, at: now)
    #expect(stored.status == .available && stored.exhaustedUntil == nil)

    stored = try store.markUsed(id: account.id, at: now)
    #expect(stored.lastUsedAt == now)

    let types = try store.events(accountID: account.id, limit: 100).map(\.type)
    #expect(types.first == AccountEvent.Kind.added)
    #expect(types.filter { $0 == AccountEvent.Kind.exhausted }.count == 5)
    #expect(types.contains(AccountEvent.Kind.disabled) && types.contains(AccountEvent.Kind.enabled))
    #expect(try store.events(accountID: account.id, limit: 2).count == 2)
  }

  @Test func errorsCountUpAreRedactedAndReset() throws {
    let account = try store.add(provider: "claude", label: "t", secret: .token("tok-VERY-SECRET"))
    let now = Date()
    _ = try store.markExhausted(id: account.id, until: now.addingTimeInterval(100), reason: nil, at: now)
    var stored = try store.recordError(id: account.id, "rejected token tok-VERY-SECRET", at: now)
    stored = try store.recordError(id: account.id, "refresh failed", at: now)
    #expect(stored.recentErrorCount == 2 && stored.lastError == "refresh failed")
    let events = try store.events(accountID: account.id)
    #expect(events.contains { $0.message == "rejected token [redacted]" })

    stored = try store.clearErrors(id: account.id)
    #expect(stored.recentErrorCount == 0 && stored.lastError == nil && stored.status == .exhausted)
    _ = try store.recordError(id: account.id, "again", at: now)
    stored = try store.reset(id: account.id, at: now)
    #expect(stored.recentErrorCount == 0 && stored.status == .available && stored.exhaustedUntil == nil)

    #expect(throws: StoreError.self) { try store.recordError(id: "missing1", "x") }
    #expect(throws: StoreError.self) { try store.appendEvent(accountID: "missing1", type: "switched") }
    let appended = try store.appendEvent(accountID: account.id, type: "switched", message: "to b")
    #expect(try store.events(accountID: account.id).last == appended)
  }

  @Test func noSecretOutsideTheSecretColumn() throws {
    let secrets = ["sk-ant-api03-NEEDLE-ONE", "oauth-NEEDLE-TWO", "sk-proj-NEEDLE-THREE"]
    let a = try store.add(provider: "claude", label: "a", secret: .apiKey(secrets[0]))
    let b = try store.add(provider: "claude", label: "b", secret: .token(secrets[1]))
    let c = try store.add(provider: "codex", label: "c", secret: .apiKey(secrets[2]))
    let now = Date()
    _ = try store.markExhausted(id: a.id, until: now.addingTimeInterval(60), reason: "limit", at: now)
    _ = try store.recordError(id: b.id, "server said \(secrets[1]) is invalid", at: now)
    _ = try store.markUsed(id: c.id, at: now)
    _ = try store.setEnabled(id: c.id, false)

    let values = try fixture.nonSecretValues(of: "accounts") + fixture.nonSecretValues(of: "account_events")
    #expect(!values.isEmpty)
    for secret in secrets {
      #expect(
        !values.contains { $0.contains("NEEDLE") }, "a secret leaked out of the secret column: \(secret)")
    }
    // The secret column holds them, and an Account prints none of them.
    let stored = try store.database.read { (connection) throws(StoreError) in
      try connection.query("SELECT secret FROM accounts ORDER BY rowid") { $0.string(0) }
    }
    #expect(stored == secrets)
    let printed =
      "\(try store.list()) \(try store.secret(id: a.id)) \(String(reflecting: try store.secret(id: b.id)))"
    #expect(!printed.contains("NEEDLE"))
  }

  @Test func migrationAddsTheAccountsTables() throws {
    #expect(try store.database.schemaVersion(of: AccountStore.schema) == AccountStore.schema.currentVersion)
    let tables = try store.database.read { (connection) throws(StoreError) in
      try connection.query("SELECT name FROM sqlite_schema ORDER BY name") { $0.string(0) ?? "" }
    }
    for name in ["accounts", "account_events", "accounts_by_provider", "account_events_by_account"] {
      #expect(tables.contains(name))
    }
    // The agents' `account_pinned` column belongs to the agents tables (see the agent store's tests).
    #expect(
      AccountStore.schema.migrations.map(\.version) == Array(1...AccountStore.schema.migrations.count))
  }
}
