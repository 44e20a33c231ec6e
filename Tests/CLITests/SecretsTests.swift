import Foundation
import MultiAgent
import TestSupport
import Testing

/// Secrets stay secret: an account's token reaches the CLI through its environment only — never
/// argv, `list/show/logs/events --json`, accounts output, or the database's non-secret columns.
@Suite struct SecretsTests {
  static let token = "sk-ant-oat01-very-secret-token-4242"

  @Test func accountSecretsNeverLeakIntoArgvOutputOrDatabase() throws {
    let world = try LifecycleSandbox()
    let added = try world.run(
      ["accounts", "add", "fake", "--label", "work", "--token-stdin"], input: Self.token)
    #expect(added.exitCode == 0, "\(added.stderr)")
    let name = try world.spawn("@gate keep the secret", name: "secretive")
    let record = try world.waitUntilRunning(name)
    let id = try #require(record["id"] as? String)

    // The running CLI got the token in its environment, not in its argv; neither did the supervisor.
    let pids = processes(ofAgent: id)
    #expect(!pids.isEmpty)
    var sawTokenInEnvironment = false
    for pid in pids {
      let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data()
      #expect(!String(decoding: cmdline, as: UTF8.self).contains(Self.token), "argv of \(pid) has the token")
      let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ") ?? Data()
      if String(decoding: environ, as: UTF8.self).contains("CLAUDE_CODE_OAUTH_TOKEN=\(Self.token)") {
        sawTokenInEnvironment = true
      }
    }
    #expect(sawTokenInEnvironment, "the CLI should receive the account's token through its environment")
    if let supervisor = (record["supervisor"] as? [String: Any])?["pid"] as? Int {
      let cmdline = FileManager.default.contents(atPath: "/proc/\(supervisor)/cmdline") ?? Data()
      #expect(!String(decoding: cmdline, as: UTF8.self).contains(Self.token))
    }

    try world.openGate()
    #expect(try world.run(["wait", name, "--timeout", "60"]).exitCode == 0)
    for arguments in [
      ["--json", "list", "--all"], ["--json", "show", name], ["--json", "logs", name],
      ["logs", name, "--raw"],
      ["--json", "events"], ["events"], ["--json", "accounts", "list"], ["accounts", "show", "work"],
      ["--json", "accounts", "show", "work"], ["show", name],
    ] {
      let output = try world.run(arguments)
      #expect(!output.stdout.contains(Self.token), "\(arguments.joined(separator: " ")) printed the token")
      #expect(!output.stderr.contains(Self.token), "\(arguments.joined(separator: " ")) printed the token")
    }

    // Only the accounts.secret column may hold it.
    let database = world.home + "/state.db"
    for (table, columns) in [("agents", "*"), ("events", "*"), ("account_events", "*")] {
      let dump = try Self.sqlite(database, "SELECT \(columns) FROM \(table);")
      #expect(!dump.contains(Self.token), "\(table) holds the token")
    }
    let accounts = try Self.sqlite(
      database,
      "SELECT id, provider, label, kind, status, exhausted_until, last_used_at, recent_error_count, "
        + "last_error, config_directory, created_at FROM accounts;")
    #expect(!accounts.contains(Self.token))
    #expect(try Self.sqlite(database, "SELECT secret FROM accounts;").contains(Self.token))

    // State files are private (the home itself was made by the test, so it keeps its mode).
    for path in [world.home + "/agents", world.home + "/accounts", world.home + "/agents/" + id] {
      let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
      #expect(mode == 0o700, "\(path) is \(String(mode ?? 0, radix: 8))")
    }
    let databaseMode = try FileManager.default.attributesOfItem(atPath: database)[.posixPermissions] as? Int
    #expect(databaseMode == 0o600)
  }

  static func sqlite(_ database: String, _ sql: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["sqlite3", database, sql]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
  }
}
