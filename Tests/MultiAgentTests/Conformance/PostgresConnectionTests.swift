import Foundation
import StateStore
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// What only the PostgreSQL engine has to get right: its URL, its placeholders, and failing fast
/// when the server or the link to it stops answering.
@Suite struct PostgresConnectionTests {
  @Test func placeholdersBecomeNumberedOutsideLiteralsAndComments() {
    let (sql, count) = PostgresStatement.translate(
      "SELECT '?', \"a?\" FROM t WHERE a = ? AND b = ?3 -- ?\n AND c = ? AND d = 'it''s ?'")
    #expect(sql == "SELECT '?', \"a?\" FROM t WHERE a = $1 AND b = $3 -- ?\n AND c = $4 AND d = 'it''s ?'")
    #expect(count == 4)
    #expect(
      PostgresStatement.translate("UPDATE t SET a = ?2 WHERE id = ?1").sql
        == "UPDATE t SET a = $2 WHERE id = $1")
  }

  @Test func passwordsNeverShow() throws {
    #expect(
      StoreLocation.redacted("postgres://alice:s3cret@db:5432/state?sslmode=require&password=s3cret")
        == "postgres://alice:***@db:5432/state?sslmode=require&password=***")
    #expect(StoreLocation.redacted("postgresql://db/state") == "postgresql://db/state")
    #expect(try StoreLocation(url: "postgresql://u:p@h/db") == .postgres(url: "postgresql://u:p@h/db"))
    #expect {
      try StoreLocation(url: "mysql://root:hunter2@h/db")
    } throws: { error in
      let error = error as? StoreError
      return error?.code == .invalidValue && error?.message.contains("hunter2") == false
    }
  }

  @Test(.enabled(if: PostgresLab.adminURL != nil, "needs the lab's PostgreSQL server"))
  func aWrongPasswordIsRefusedWithoutShowingIt() throws {
    let url = try #require(PostgresLab.adminURL)
    let wrong = url.replacingOccurrences(of: "://multiagent:", with: "://multiagent:wrong-pw-")
    #expect {
      try PostgresConnection.open(url: wrong)
    } throws: { error in
      let error = error as? StoreError
      return error?.code == .cannotOpen && error?.description.contains("wrong-pw") == false
    }
  }

  /// A server that accepts the connection and then says nothing (a host cut off after the
  /// handshake, a hung server) fails the connect within its timeout.
  @Test func aSilentServerFailsTheConnectWithinItsTimeout() throws {
    let listener = try SilentListener()
    defer { listener.close() }
    let clock = ContinuousClock()
    let started = clock.now
    #expect {
      try PostgresConnection.open(
        url: "postgres://nobody:secret@127.0.0.1:\(listener.port)/state",
        timeouts: .init(connect: .seconds(2), network: .seconds(2)))
    } throws: { error in
      let error = error as? StoreError
      return error?.code == .unavailable && error?.description.contains("secret") == false
    }
    #expect(clock.now - started < .seconds(6))
  }

  /// A server that stops answering mid-statement (its backend frozen, as a cut-off link looks from
  /// here) fails the statement within the statement and network timeouts; the connection is dropped
  /// and the next statement reconnects.
  @Test(
    .enabled(if: PostgresLab.adminURL != nil && getuid() == 0, "needs the lab's PostgreSQL server, as root"))
  func aFrozenServerFailsTheStatementFastAndTheNextOneReconnects() throws {
    let url = try #require(PostgresLab.adminURL)
    let connection = try PostgresConnection.open(
      url: url, timeouts: .init(connect: .seconds(2), network: .seconds(1), statement: .seconds(1)))
    let backend = try #require(try connection.query("SELECT pg_backend_pid()") { $0.int64(0) }.first ?? nil)
    kill(pid_t(backend), SIGSTOP)
    defer { kill(pid_t(backend), SIGCONT) }
    let clock = ContinuousClock()
    let started = clock.now
    #expect {
      try connection.execute("SELECT 1")
    } throws: { ($0 as? StoreError)?.code == .unavailable }
    #expect(clock.now - started < .seconds(5))
    kill(pid_t(backend), SIGCONT)
    #expect(try connection.query("SELECT 41 + 1") { $0.int64(0) } == [42])
  }
}

extension PostgresConnectionTests {
  /// A connection lost inside a transaction fails the rest of that transaction (a statement on a
  /// new connection would run outside it); the next operation reconnects.
  @Test(.enabled(if: PostgresLab.adminURL != nil, "needs the lab's PostgreSQL server"))
  func aConnectionLostInsideATransactionFailsItAndTheNextOneReconnects() throws {
    let url = try #require(PostgresLab.adminURL)
    let connection = try PostgresConnection.open(url: url)
    let admin = try PostgresConnection.open(url: url)
    let backend = try #require(try connection.query("SELECT pg_backend_pid()") { $0.int64(0) }.first ?? nil)
    var ranAfterTheLoss = false
    #expect {
      try connection.immediateTransaction { () throws(StoreError) in
        _ = try admin.query("SELECT pg_terminate_backend(\(backend))") { $0.string(0) }
        do { try connection.execute("SELECT 1") } catch {}
        try connection.execute("SELECT 2")
        ranAfterTheLoss = true
      }
    } throws: { ($0 as? StoreError)?.code == .unavailable }
    #expect(!ranAfterTheLoss)
    #expect(try connection.query("SELECT 41 + 1") { $0.int64(0) } == [42])
  }
}

/// A TCP socket on 127.0.0.1 that listens and never reads or answers: the kernel completes the
/// handshake, nobody speaks.
private final class SilentListener {
  let descriptor: Int32
  let port: UInt16

  init() throws {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard bound == 0, listen(descriptor, 8) == 0 else {
      _ = Glibc.close(descriptor)
      throw StoreError(code: .io, message: "cannot listen: \(String(cString: strerror(errno)))")
    }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
    }
    self.descriptor = descriptor
    port = UInt16(bigEndian: address.sin_port)
  }

  func close() { _ = Glibc.close(descriptor) }
}
