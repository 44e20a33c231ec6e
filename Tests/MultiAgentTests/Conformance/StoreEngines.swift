import Credentials
import Foundation
import StateStore
import TestSupport
import Testing

@testable import MultiAgent

/// The engines the store conformance suite runs on: SQLite always; PostgreSQL when
/// `MULTIAGENT_TEST_POSTGRES_URL` names a server (`scripts/test` starts one with
/// `scripts/lab/postgres up`), each test in a database of its own.
enum TestEngine: String, Sendable, CustomTestStringConvertible {
  case sqlite, postgres

  var testDescription: String { rawValue }

  /// SQLite, and PostgreSQL when a server is there (else the reason is printed once).
  static let available: [TestEngine] = PostgresLab.adminURL == nil ? [.sqlite] : [.sqlite, .postgres]
}

/// The lab server the PostgreSQL half of the suite uses.
enum PostgresLab {
  /// The server's URL (its superuser, its `postgres` database), or nil with the reason printed.
  static let adminURL: String? = {
    let url = ProcessInfo.processInfo.environment["MULTIAGENT_TEST_POSTGRES_URL"] ?? ""
    guard !url.isEmpty else {
      print(
        "note: PostgreSQL store tests skipped: MULTIAGENT_TEST_POSTGRES_URL is not set "
          + "(scripts/lab/postgres up prints one; scripts/test sets it)")
      return nil
    }
    return url
  }()

  /// A new, empty database on the lab server: its URL, and a closure that drops it.
  static func freshDatabase() throws -> (url: String, drop: @Sendable () -> Void) {
    guard let adminURL, let slash = adminURL.lastIndex(of: "/") else {
      throw StoreError(code: .cannotOpen, message: "no PostgreSQL lab server")
    }
    let name = "ma_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    let admin = try PostgresConnection.open(url: adminURL)
    try admin.execute("CREATE DATABASE \(name)")
    let url = String(adminURL[..<slash]) + "/" + name
    return (
      url,
      {
        _ = try? PostgresConnection.open(url: adminURL).execute(
          "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
      }
    )
  }
}

/// One empty store of one engine, for one test: where it is, and how to open more connections to
/// it (each `open()` is a separate connection, as another process or controller would have).
final class StoreUnderTest: Sendable {
  let engine: TestEngine
  let location: StoreLocation
  private let directory: TemporaryDirectory
  private let drop: @Sendable () -> Void

  init(_ engine: TestEngine) throws {
    self.engine = engine
    directory = try TemporaryDirectory(prefix: "conformance")
    switch engine {
    case .sqlite:
      location = .sqlite(path: directory.path("state.db"))
      drop = {}
    case .postgres:
      let database = try PostgresLab.freshDatabase()
      location = .postgres(url: database.url)
      drop = database.drop
    }
  }

  deinit { drop() }

  /// A new connection's agent store.
  func open() throws -> AgentStore { try AgentStore(location: location) }

  /// A new connection's account store.
  func openAccounts() throws -> AccountStore {
    try AccountStore(location: location, accountsDirectory: directory.path("accounts"))
  }

  /// A new connection's hosts (the `hosts` and `remote_agents` components).
  func openDatabase(_ schemas: [StoreSchema]) throws -> StateDatabase {
    try StateDatabase(location: location, schemas: schemas)
  }
}
