import StateStore

#if canImport(Glibc)
  import Glibc
#endif

/// The controller's side of ingestion: where it stands in each remote agent's spool, and what it
/// keeps of it. Both offsets live in what was ingested, so no separate bookkeeping can fall behind:
///
/// - the log offset is the length of the local copy `<home>/remote/<host>/<agent-id>/output.log`
///   (files 0600, folders 0700). Bytes are written at their own offset, so a chunk applied twice (a
///   crash before the next request, two processes at once) writes the same bytes over themselves;
/// - the event cursor is the highest host sequence stored for the agent in `remote_events`, whose
///   UNIQUE (host, agent, host sequence) drops an event ingested twice.
package struct SpoolLedger: Sendable {
  /// `<home>/remote`.
  let directory: String
  let events: RemoteEventStore

  /// A ledger keeping its copies under `directory` and its events in `events`.
  package init(directory: String, events: RemoteEventStore) {
    self.directory = directory
    self.events = events
  }

  /// The local copy of `agent`'s log, or nil when its host or id could not be a file name (ids come
  /// from the host: never let one climb out of `<home>/remote`).
  package func logPath(of agent: RemoteAgent) -> String? {
    guard Self.isSafe(agent.host.lowercased()), Self.isSafe(agent.remoteID) else { return nil }
    return directory + "/" + agent.host.lowercased() + "/" + agent.remoteID + "/output.log"
  }

  /// Letters, digits, `-` and `_`; 1–128 of them.
  static func isSafe(_ word: String) -> Bool {
    (1...128).contains(word.utf8.count)
      && word.unicodeScalars.allSatisfy {
        $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_")
      }
  }

  /// How many bytes of `agent`'s log the controller holds.
  package func logOffset(of agent: RemoteAgent) -> Int64 {
    logPath(of: agent).map(AgentManager.fileSize) ?? 0
  }

  /// The request for what follows the offsets held for `agents` (all on one host).
  package func request(for agents: [RemoteAgent], logByteLimit: Int = 256 * 1024, eventLimit: Int = 400)
    throws(StoreError) -> SpoolRequest
  {
    var cursors: [SpoolRequest.Cursor] = []
    for agent in agents where logPath(of: agent) != nil {
      cursors.append(
        SpoolRequest.Cursor(
          agentID: agent.remoteID, logOffset: logOffset(of: agent),
          eventsAfter: try events.lastSequence(host: agent.host, remoteID: agent.remoteID)))
    }
    return SpoolRequest(cursors: cursors, logByteLimit: logByteLimit, eventLimit: eventLimit)
  }

  /// Keeps what `response` brought for `agents` (all on one host): events not held yet, and the log
  /// bytes past the local copy's end. A chunk for an agent not asked about is ignored, and so are
  /// log bytes that would leave a gap (the next request asks from the copy's end again).
  ///
  /// - Returns: the status the host gave each agent it has, by the agent's name.
  /// - Throws: `StoreError`, or ``UnsafePathError`` when the copy cannot be written.
  @discardableResult
  package func apply(_ response: SpoolResponse, agents: [RemoteAgent]) throws -> [String: String] {
    let byID = Dictionary(agents.map { ($0.remoteID, $0) }) { first, _ in first }
    var statuses: [String: String] = [:]
    for chunk in response.chunks {
      guard chunk.found, let agent = byID[chunk.agentID], let path = logPath(of: agent) else { continue }
      try events.insert(chunk.events, host: agent.host, remoteID: agent.remoteID, agent: agent.name)
      let held = AgentManager.fileSize(path)
      let end = chunk.logOffset + Int64(chunk.log.count)
      if chunk.logOffset <= held, end > held {
        try PrivatePath.createMissingDirectories(String(path.dropLast("/output.log".count)))
        try Self.write(chunk.log[Int(held - chunk.logOffset)...], at: held, to: path)
      }
      statuses[agent.name] = chunk.status
    }
    return statuses
  }

  /// Forgets what was ingested of `agent`: its events and the local copy of its log.
  package func forget(_ agent: RemoteAgent) throws(StoreError) {
    try events.remove(host: agent.host, remoteID: agent.remoteID)
    guard let path = logPath(of: agent) else { return }
    let folder = String(path.dropLast("/output.log".count))
    unlink(path)
    rmdir(folder)
  }

  /// Writes `bytes` at `offset` of the file at `path` (created 0600; never through a link).
  static func write(_ bytes: ArraySlice<UInt8>, at offset: Int64, to path: String) throws(UnsafePathError) {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else {
      throw UnsafePathError(
        path: path, reason: errno == ELOOP ? .symbolicLink : .system,
        message: "cannot open the file for writing (\(String(cString: strerror(errno))))")
    }
    defer { close(descriptor) }
    var written = 0
    while written < bytes.count {
      let count = bytes.withUnsafeBytes { buffer in
        pwrite(
          descriptor, buffer.baseAddress! + written, buffer.count - written, off_t(offset) + off_t(written))
      }
      if count < 0, errno == EINTR { continue }
      guard count > 0 else {
        throw UnsafePathError(
          path: path, reason: .system, message: "cannot write the file (\(String(cString: strerror(errno))))")
      }
      written += count
    }
  }
}
