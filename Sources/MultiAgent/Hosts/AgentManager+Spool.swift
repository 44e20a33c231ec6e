import JSONKit

#if canImport(Glibc)
  import Glibc
#endif

/// The host's side of ingestion: what `multiagent __spool` answers a controller.
extension AgentManager {
  /// What follows each cursor of `request` in this home's spool: for every agent asked, its status,
  /// its events after the cursor's, its log bytes from the cursor's offset and — when asked — the
  /// events its provider's parser makes of the log's lines from `parseFrom`, within the request's
  /// limits (``SpoolResponse/more`` and ``SpoolChunk/parsedMore`` tell when one cut the answer
  /// short). Reads only; an agent this home does not have is answered `found: false`.
  ///
  /// - Throws: `StoreError` when the store cannot be read.
  public func spool(_ request: SpoolRequest) throws(StoreError) -> SpoolResponse {
    try Self.spool(
      request, store: store, logPath: { AgentPaths(home: home, id: $0).outputLog },
      reader: { id in (try? store.agent(id: id)).flatMap { $0 }.map { logReader(for: $0) } })
  }

  /// ``spool(_:)`` over any store and log layout (a host in tests); `reader` gives the log reader of
  /// an agent, for parsing.
  static func spool(
    _ request: SpoolRequest, store: AgentStore, logPath: (String) -> String,
    reader: (String) -> AgentLogReader? = { _ in nil }
  ) throws(StoreError) -> SpoolResponse {
    var budget = Budget(logBytes: request.logByteLimit, events: request.eventLimit)
    var chunks: [SpoolChunk] = []
    for cursor in request.cursors {
      // The status first: when it is settled, the events and the log read after it are whole.
      guard let status = try store.status(id: cursor.agentID) else {
        chunks.append(SpoolChunk(agentID: cursor.agentID, found: false))
        continue
      }
      let events = budget.take(
        try store.events(
          agentID: cursor.agentID, afterID: cursor.eventsAfter, limit: budget.events + 1))
      let path = logPath(cursor.agentID)
      let size = Self.fileSize(path)
      let wanted = max(0, size - cursor.logOffset)
      let bytes = Self.read(path, from: cursor.logOffset, count: Int(min(wanted, Int64(budget.logBytes))))
      if cursor.logOffset + Int64(bytes.count) < size { budget.more = true }
      budget.logBytes -= bytes.count
      var chunk = SpoolChunk(
        agentID: cursor.agentID, found: true, status: status.rawValue, logOffset: cursor.logOffset,
        log: bytes,
        logSize: size, events: events)
      if let from = cursor.parseFrom, var reader = reader(cursor.agentID) {
        let settled = ![.queued, .starting, .running].contains(status)
        Self.parse(
          &reader, from: from, size: size, limit: request.logByteLimit, final: cursor.parseFinal || settled,
          into: &chunk)
      }
      chunks.append(chunk)
    }
    return SpoolResponse(chunks: chunks, more: budget.more)
  }

  /// What is left of an answer's limits.
  private struct Budget {
    var logBytes: Int
    var events: Int
    // Events count against a size too (their messages and data vary), so that an answer stays well
    // within what one SSH call reads; the first event always goes, so that every answer progresses.
    var eventBytes = SpoolRequest.eventByteLimit
    var more = false

    /// As many of `events` as the limits allow.
    mutating func take(_ events: [StoredEvent]) -> [StoredEvent] {
      var taken: [StoredEvent] = []
      for event in events {
        let size = JSONWriter.string(event.jsonValue).utf8.count
        guard self.events > 0, size <= eventBytes || eventBytes == SpoolRequest.eventByteLimit else {
          more = true
          break
        }
        taken.append(event)
        self.events -= 1
        eventBytes -= size
      }
      return taken
    }
  }

  /// Parses the log from `from` (at most `limit` bytes, but always at least one whole line) into
  /// `chunk`'s parsed events; with `final`, a last line without its newline too.
  private static func parse(
    _ reader: inout AgentLogReader, from: Int64, size: Int64, limit: Int, final: Bool,
    into chunk: inout SpoolChunk
  ) {
    reader.skip(to: from)
    let stop = from + Int64(limit)
    reader.readLimit = stop < size ? stop : nil
    var events = reader.events(final: final && stop >= size)
    if reader.parsedOffset == from, stop < size {
      // One line longer than the limit: it goes whole.
      reader.readLimit = nil
      events += reader.events(final: final)
    }
    chunk.parsed = events
    chunk.parsedTo = reader.parsedOffset
    chunk.parsedMore = reader.readLimit != nil && reader.parsedOffset < size
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
