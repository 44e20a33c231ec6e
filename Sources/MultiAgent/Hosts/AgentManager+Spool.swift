import JSONKit

#if canImport(Glibc)
  import Glibc
#endif

/// The host's side of ingestion: what `multiagent __spool` answers a controller.
extension AgentManager {
  /// What follows each cursor of `request` in this home's spool: for every agent asked, its status,
  /// its events after the cursor's and its log bytes from the cursor's offset, within the request's
  /// limits (``SpoolResponse/more`` tells when one cut the answer short). Reads only; an agent this
  /// home does not have is answered `found: false`.
  ///
  /// - Throws: `StoreError` when the store cannot be read.
  public func spool(_ request: SpoolRequest) throws(StoreError) -> SpoolResponse {
    try Self.spool(request, store: store, logPath: { AgentPaths(home: home, id: $0).outputLog })
  }

  /// ``spool(_:)`` over any store and log layout (a host in tests).
  static func spool(_ request: SpoolRequest, store: AgentStore, logPath: (String) -> String)
    throws(StoreError) -> SpoolResponse
  {
    var byteBudget = request.logByteLimit
    var eventBudget = request.eventLimit
    // Events count against a size too (their messages and data vary), so that an answer stays well
    // within what one SSH call reads; the first event always goes, so that every answer progresses.
    var eventBytes = SpoolRequest.eventByteLimit
    var more = false
    var chunks: [SpoolChunk] = []
    for cursor in request.cursors {
      // The status first: when it is settled, the events and the log read after it are whole.
      guard let status = try store.status(id: cursor.agentID) else {
        chunks.append(SpoolChunk(agentID: cursor.agentID, found: false))
        continue
      }
      var events: [StoredEvent] = []
      for event in try store.events(
        agentID: cursor.agentID, afterID: cursor.eventsAfter, limit: eventBudget + 1)
      {
        let size = JSONWriter.string(event.jsonValue).utf8.count
        guard eventBudget > 0, size <= eventBytes || eventBytes == SpoolRequest.eventByteLimit else {
          more = true
          break
        }
        events.append(event)
        eventBudget -= 1
        eventBytes -= size
      }
      let path = logPath(cursor.agentID)
      let size = Self.fileSize(path)
      let wanted = max(0, size - cursor.logOffset)
      let bytes = Self.read(path, from: cursor.logOffset, count: Int(min(wanted, Int64(byteBudget))))
      if cursor.logOffset + Int64(bytes.count) < size { more = true }
      byteBudget -= bytes.count
      chunks.append(
        SpoolChunk(
          agentID: cursor.agentID, found: true, status: status.rawValue, logOffset: cursor.logOffset,
          log: bytes,
          logSize: size, events: events))
    }
    return SpoolResponse(chunks: chunks, more: more)
  }

  /// The length of the file at `path` (0 when there is none).
  static func fileSize(_ path: String) -> Int64 {
    var info = stat()
    return stat(path, &info) == 0 ? Int64(info.st_size) : 0
  }

  /// Up to `count` bytes of the file at `path` from `offset` (fewer at its end; none when unreadable).
  static func read(_ path: String, from offset: Int64, count: Int) -> [UInt8] {
    guard count > 0 else { return [] }
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return [] }
    defer { close(descriptor) }
    var bytes = [UInt8](repeating: 0, count: count)
    var filled = 0
    while filled < count {
      let got = bytes.withUnsafeMutableBytes { buffer in
        pread(descriptor, buffer.baseAddress! + filled, count - filled, off_t(offset) + off_t(filled))
      }
      if got < 0, errno == EINTR { continue }
      guard got > 0 else { break }
      filled += got
    }
    return Array(bytes[0..<filled])
  }
}
