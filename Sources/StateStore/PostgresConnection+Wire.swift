import CLibPQ

#if canImport(Glibc)
  import Glibc
#endif

/// Sending a request and waiting for its answer with a deadline, and turning failures into
/// ``StoreError``s.
extension PostgresConnection {
  /// Sends a request with `send` and waits for its answer: every result is read (libpq requires it);
  /// the first failed one is thrown, else the last one is returned (the caller clears it).
  ///
  /// The wait is bounded on our side too (the statement timeout plus the network timeout): a server
  /// that stopped answering while its host still acknowledges packets would otherwise hold the
  /// caller forever. The connection is dropped then, so a late answer cannot be mistaken for
  /// another request's.
  func roundTrip(_ context: String, _ send: (OpaquePointer) -> Int32) throws(StoreError) -> OpaquePointer? {
    guard let handle else { throw lostConnection(context, "not connected") }
    guard send(handle) == 1 else { throw lostConnection(context, Self.trimmed(pq.errorMessage(handle))) }
    let deadline = ContinuousClock.now.advanced(by: timeouts.statement + timeouts.network)
    var failure: StoreError?
    var last: OpaquePointer?
    while true {
      try waitForAnswer(handle, until: deadline, context)
      guard let result = pq.getResult(handle) else { break }
      switch pq.resultStatus(result) {
      case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
        pq.clear(last)
        last = result
      default:
        if failure == nil { failure = error(result, context) }
        pq.clear(result)
      }
    }
    if let failure {
      pq.clear(last)
      throw failure
    }
    return last
  }

  /// Reads from the server until a whole result is ready, or throws when `deadline` passes first or
  /// the connection breaks.
  private func waitForAnswer(
    _ handle: OpaquePointer, until deadline: ContinuousClock.Instant, _ context: String
  ) throws(StoreError) {
    while pq.isBusy(handle) != 0 {
      let left = ContinuousClock.now.duration(to: deadline)
      guard left > .zero else {
        dropConnection()
        throw StoreError(
          code: .unavailable,
          message: "\(context): the PostgreSQL server did not answer within "
            + "\((timeouts.statement + timeouts.network).components.seconds) s; the connection was closed "
            + "(a write may still have been applied: try again)",
          path: path)
      }
      var descriptor = pollfd(fd: pq.socket(handle), events: Int16(POLLIN), revents: 0)
      let milliseconds = Int32(clamping: left.components.seconds * 1000 + 1)
      let ready = poll(&descriptor, 1, min(milliseconds, 1000))
      if ready < 0, errno != EINTR { throw lostConnection(context, String(cString: strerror(errno))) }
      if ready > 0, pq.consumeInput(handle) == 0 {
        throw lostConnection(context, Self.trimmed(pq.errorMessage(handle)))
      }
    }
  }

  /// Closes a connection that can no longer be trusted; the next operation reconnects.
  func dropConnection() {
    pq.finish(handle)
    handle = nil
  }

  private func lostConnection(_ context: String, _ message: String) -> StoreError {
    dropConnection()
    return StoreError(
      code: .unavailable,
      message: "\(context): lost the connection to the PostgreSQL server: \(message) "
        + "(a write in flight may or may not have been applied: try again)",
      path: path)
  }

  /// The error a failed result stands for, by its SQLSTATE.
  private func error(_ result: OpaquePointer, _ context: String) -> StoreError {
    let state = pq.resultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? ""
    let message = Self.trimmed(pq.resultErrorMessage(result))
    let code = Self.code(forSQLState: state)
    var text = "\(context): \(message)"
    switch code {
    case .busy: text += " (other multiagent controllers kept the store locked too long; try again)"
    case .unavailable:
      dropConnection()
      text += " (the server closed the connection; try again)"
    default: break
    }
    return StoreError(code: code, message: text, path: path)
  }

  /// The code for a PostgreSQL SQLSTATE (five characters: a class of two, then a condition).
  static func code(forSQLState state: String) -> StoreError.Code {
    switch state {
    case "40001", "40P01", "55P03", "57014": return .busy
    case "57P01", "57P02", "57P03": return .unavailable
    case "53100": return .diskFull
    case "3D000", "42501": return .cannotOpen
    case "25006": return .readOnly
    default: break
    }
    switch state.prefix(2) {
    case "08": return .unavailable
    case "23": return .constraint
    case "22": return .invalidValue
    case "28": return .cannotOpen
    case "53", "58": return .io
    case "XX": return .corrupt
    default: return .postgres
    }
  }
}
