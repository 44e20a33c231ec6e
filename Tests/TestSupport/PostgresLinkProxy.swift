import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// A TCP proxy on 127.0.0.1 between a PostgreSQL client and its server, for tests of a link that
/// fails: it can cut the link (nothing passes either way, on open connections and on new ones, as
/// when a host is cut off: the client hears nothing and must give up by its own timeouts), and it
/// can let a COMMIT through to the server and lose the reply (the transaction is committed; the
/// client cannot know).
///
/// It reads the client's side of the protocol just enough to find COMMITs: the untyped start-up
/// messages, then typed messages (a byte, a length). TLS is not spoken (use `sslmode=disable`).
public final class PostgresLinkProxy: @unchecked Sendable {
  /// The port the proxy listens on (127.0.0.1).
  public let port: UInt16
  private let target: sockaddr_in
  private let listener: Int32
  private let state = Mutex(State())

  private struct State {
    var cut = false
    var closed = false
    /// Rules waiting for their COMMIT, in order: each loses the reply of the first COMMIT of a
    /// transaction that sent the marker (any COMMIT when nil).
    var rules: [String?] = []
    var lostReplies = 0
    var connections = 0
    var connectionsWhileCut = 0
    /// Connections open during a cut: they stay dead after it heals, as the client dropped them.
    var deadGeneration = 0
  }

  /// A proxy to the server at `host:port`.
  public init(host: String = "127.0.0.1", port targetPort: UInt16) throws {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr(host)
    address.sin_port = targetPort.bigEndian
    target = address
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var one: Int32 = 1
    setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    var local = sockaddr_in()
    local.sin_family = sa_family_t(AF_INET)
    local.sin_addr.s_addr = inet_addr("127.0.0.1")
    local.sin_port = 0
    let bound = withUnsafePointer(to: &local) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard bound == 0, listen(descriptor, 64) == 0 else {
      let message = String(cString: strerror(errno))
      _ = Glibc.close(descriptor)
      throw ProxyError(description: "the proxy cannot listen: \(message)")
    }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &local) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
    }
    listener = descriptor
    port = UInt16(bigEndian: local.sin_port)
    Thread.detachNewThread { [self] in acceptLoop() }
  }

  deinit { close() }

  /// `url` (a `postgres://` URL of the server) pointed at the proxy instead, without TLS.
  public func url(for url: String) -> String {
    guard let at = url.lastIndex(of: "@"), let slash = url[at...].firstIndex(of: "/") else { return url }
    let rest = url[slash...]
    return String(url[...at]) + "127.0.0.1:\(port)" + rest + (rest.contains("?") ? "&" : "?")
      + "sslmode=disable"
  }

  /// Cuts the link: from now on nothing passes, on the connections open now (for good) and on those
  /// made until ``heal()`` (accepted, then silent).
  public func cut() { state.withLock { $0.cut = true } }

  /// Heals the link for new connections; those open during the cut stay silent.
  public func heal() {
    state.withLock {
      $0.cut = false
      $0.deadGeneration = $0.connections
    }
  }

  /// Lets the next COMMIT of a transaction that sent `marker` (any COMMIT when nil) reach the server,
  /// and loses everything after it on that connection: its reply first. Rules apply in the order
  /// they were added, one COMMIT each.
  public func loseCommitReply(afterSending marker: String? = nil) {
    state.withLock { $0.rules.append(marker) }
  }

  /// How many COMMIT replies were lost so far.
  public var lostReplies: Int { state.withLock { $0.lostReplies } }
  /// How many rules wait for their COMMIT.
  public var pendingRules: Int { state.withLock { $0.rules.count } }
  /// How many connections were accepted while the link was cut.
  public var connectionsWhileCut: Int { state.withLock { $0.connectionsWhileCut } }

  /// Stops listening and ends every connection.
  public func close() {
    let first = state.withLock { state -> Bool in
      defer { state.closed = true }
      return !state.closed
    }
    if first {
      shutdown(listener, Int32(SHUT_RDWR))
      _ = Glibc.close(listener)
    }
  }

  private var isClosed: Bool { state.withLock { $0.closed } }

  private func acceptLoop() {
    while !isClosed {
      var descriptor = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
      guard poll(&descriptor, 1, 100) > 0 else { continue }
      let client = accept(listener, nil, nil)
      guard client >= 0 else { continue }
      let (number, cut) = state.withLock { state -> (Int, Bool) in
        state.connections += 1
        if state.cut { state.connectionsWhileCut += 1 }
        return (state.connections, state.cut)
      }
      Thread.detachNewThread { [self] in
        if cut {
          silence(client)
        } else {
          relay(client, number: number)
        }
      }
    }
  }

  /// Reads and drops what `client` sends until it or the proxy closes: a link that says nothing.
  private func silence(_ client: Int32) {
    var buffer = [UInt8](repeating: 0, count: 65536)
    while !isClosed {
      var descriptor = pollfd(fd: client, events: Int16(POLLIN), revents: 0)
      guard poll(&descriptor, 1, 100) > 0 else { continue }
      if read(client, &buffer, buffer.count) <= 0 { break }
    }
    _ = Glibc.close(client)
  }

  private func relay(_ client: Int32, number: Int) {
    let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = target
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard connected == 0 else {
      _ = Glibc.close(server)
      _ = Glibc.close(client)
      return
    }
    var link = Link(client: client, server: server, number: number)
    link.run(self)
    _ = Glibc.close(server)
    _ = Glibc.close(client)
  }

  /// Whether connection `number` may pass data now.
  fileprivate func passes(_ number: Int) -> Bool {
    state.withLock { !$0.cut && !$0.closed && number > $0.deadGeneration }
  }

  fileprivate func stillOpen() -> Bool { !isClosed }

  /// Whether this COMMIT's reply is to be lost (the first rule matches), taking the rule.
  fileprivate func losesReply(sawMarkers: (String?) -> Bool) -> Bool {
    state.withLock { state in
      guard let rule = state.rules.first, sawMarkers(rule) else { return false }
      state.rules.removeFirst()
      state.lostReplies += 1
      return true
    }
  }
}

/// The proxy could not start.
public struct ProxyError: Error, CustomStringConvertible {
  /// What went wrong.
  public let description: String
}

/// One client connection and its server connection.
private struct Link {
  let client: Int32
  let server: Int32
  let number: Int
  /// What the client sent that is not a whole message yet.
  var pending: [UInt8] = []
  var startedUp = false
  /// The bytes the client sent in the current transaction (for the rules' markers).
  var transaction: [UInt8] = []
  /// Set once a reply was lost: the connection passes nothing any more.
  var dead = false

  mutating func run(_ proxy: PostgresLinkProxy) {
    var buffer = [UInt8](repeating: 0, count: 65536)
    while proxy.stillOpen() {
      var descriptors = [
        pollfd(fd: client, events: Int16(POLLIN), revents: 0),
        pollfd(fd: server, events: Int16(POLLIN), revents: 0),
      ]
      guard poll(&descriptors, 2, 100) > 0 else { continue }
      if descriptors[0].revents != 0 {
        let count = read(client, &buffer, buffer.count)
        if count <= 0 { return }
        if dead || !proxy.passes(number) {
          dead = true
        } else {
          pending += buffer[0..<count]
          if !forwardWholeMessages(proxy) { return }
        }
      }
      if descriptors[1].revents != 0 {
        let count = read(server, &buffer, buffer.count)
        if count <= 0 { return }
        if dead || !proxy.passes(number) {
          dead = true
        } else if !writeAll(client, Array(buffer[0..<count])) {
          return
        }
      }
    }
  }

  /// Forwards each whole message the client sent; after a COMMIT whose reply is to be lost, the
  /// connection goes dead.
  private mutating func forwardWholeMessages(_ proxy: PostgresLinkProxy) -> Bool {
    while !dead {
      let header = startedUp ? 5 : 4
      guard pending.count >= header else { return true }
      let lengthAt = startedUp ? 1 : 0
      let length = pending[lengthAt..<lengthAt + 4].reduce(0) { $0 << 8 | Int($1) }
      let total = lengthAt + length
      guard length >= 4, pending.count >= total else { return length >= 4 }
      let message = Array(pending[0..<total])
      pending.removeFirst(total)
      var losesReply = false
      if !startedUp {
        // SSLRequest, GSSENCRequest and CancelRequest codes; anything else is the start-up message.
        let code = message[4..<8].reduce(0) { $0 << 8 | Int($1) }
        if ![80_877_103, 80_877_104, 80_877_102].contains(code) { startedUp = true }
      } else {
        transaction += message
        if message[0] == UInt8(ascii: "Q") {
          let text = String(decoding: message[5...].prefix { $0 != 0 }, as: UTF8.self)
          let word = text.trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
          if word == "COMMIT" {
            let sent = transaction
            losesReply = proxy.losesReply { marker in
              marker.map { Self.contains(sent, Array($0.utf8)) } ?? true
            }
          }
          if word == "COMMIT" || word == "ROLLBACK" { transaction = [] }
        }
      }
      if !writeAll(server, message) { return false }
      if losesReply { dead = true }
    }
    return true
  }

  private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty, haystack.count >= needle.count else { return needle.isEmpty }
    for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
      if haystack[start..<start + needle.count].elementsEqual(needle) { return true }
    }
    return false
  }

  private func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Bool {
    var offset = 0
    while offset < bytes.count {
      let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
      if written < 0 && errno == EINTR { continue }
      if written <= 0 { return false }
      offset += written
    }
    return true
  }
}
