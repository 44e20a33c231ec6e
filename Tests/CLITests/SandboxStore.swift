import Foundation
import StateStore

/// The store of one CLI sandbox: the home's own `state.db`, or, with
/// `MULTIAGENT_TEST_SANDBOX_STORE=postgres` and the lab's server (`MULTIAGENT_TEST_POSTGRES_URL`), a
/// fresh PostgreSQL database of its own (dropped with the sandbox) that the sandbox's commands get
/// through `MULTIAGENT_STORE`: the CLI suites then run unchanged on the PostgreSQL store.
final class SandboxStore: Sendable {
  /// The database's URL, or nil for the home's SQLite file.
  let url: String?
  private let admin: String?
  private let name: String?

  init() throws {
    let environment = ProcessInfo.processInfo.environment
    guard environment["MULTIAGENT_TEST_SANDBOX_STORE"] == "postgres" else {
      (url, admin, name) = (nil, nil, nil)
      return
    }
    guard let admin = environment["MULTIAGENT_TEST_POSTGRES_URL"], !admin.isEmpty,
      let slash = admin.lastIndex(of: "/")
    else {
      throw StoreError(
        code: .cannotOpen,
        message:
          "MULTIAGENT_TEST_SANDBOX_STORE=postgres needs MULTIAGENT_TEST_POSTGRES_URL (scripts/lab/postgres up)"
      )
    }
    let name = "ma_sandbox_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    try PostgresConnection.open(url: admin).execute("CREATE DATABASE \(name)")
    (url, self.admin, self.name) = (String(admin[..<slash]) + "/" + name, admin, name)
  }

  deinit {
    guard let admin, let name else { return }
    _ = try? PostgresConnection.open(url: admin).execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
  }
}
