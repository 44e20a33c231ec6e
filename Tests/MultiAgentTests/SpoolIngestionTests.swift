import Foundation
import JSONKit
import ProviderKit
import StateStore
import Synchronization
import TestSupport
import Testing

@testable import MultiAgent

/// Ingesting remote agents' spools without SSH: a "host" is a second agent store with logs on disk,
/// read by the host's own spool reader through a fetch given in place of the SSH call.
@Suite struct SpoolIngestionTests {
  /// A controller home with host `h1` and one remote agent `r1`, and the host's store and logs.
  struct World {
    let directory: TemporaryDirectory
    let home: StateHome
    let hostStore: AgentStore
    let hostLogs: String
    let agent: RemoteAgent

    init() throws {
      directory = try TemporaryDirectory(prefix: "spool")
      home = StateHome(path: directory.path("home"))
      try home.create()
      hostStore = try AgentStore(path: directory.path("host.db"))
      hostLogs = directory.path("host-agents")
      let record = try hostStore.create(AgentRecord(id: "0123abcd", name: "r1", provider: "fake"))
      agent = RemoteAgent(
        name: "r1", host: "h1", remoteID: record.id, provider: "fake", repository: nil, mirror: nil,
        lastRecord: "{}", lastStatus: "running")
      let hosts = try hosts()
      try hosts.add(name: "h1", target: SSHTarget("me@10.0.0.1")!)
      try hosts.remoteAgents.save(agent)
      try FileManager.default.createDirectory(
        atPath: hostLogs + "/" + agent.remoteID, withIntermediateDirectories: true)
    }

    /// The controller's hosts, as a fresh process opens them.
    func hosts() throws -> Hosts { try Hosts(home: home, environment: [:]) }

    var hostLog: String { hostLogs + "/" + agent.remoteID + "/output.log" }

    /// Appends `bytes` to the host's log.
    func append(_ bytes: [UInt8]) throws {
      if !FileManager.default.fileExists(atPath: hostLog) {
        FileManager.default.createFile(atPath: hostLog, contents: nil)
      }
      let handle = try #require(FileHandle(forWritingAtPath: hostLog))
      try handle.seekToEnd()
      try handle.write(contentsOf: Data(bytes))
      try handle.close()
    }

    /// The host's spool, read with tiny limits so that every ingestion takes several rounds.
    func fetch(logBytes: Int = 7, events: Int = 2) -> SpoolFetch {
      let (store, logs) = (hostStore, hostLogs)
      return { _, request in
        var request = request
        request.logByteLimit = logBytes
        request.eventLimit = events
        return try AgentManager.spool(request, store: store, logPath: { logs + "/" + $0 + "/output.log" })
      }
    }

    /// The local copy of the log.
    func copy(_ hosts: Hosts) throws -> [UInt8] {
      let path = try #require(hosts.localLogPath(of: agent))
      return [UInt8](FileManager.default.contents(atPath: path) ?? Data())
    }
  }

  @Test func requestsAndAnswersSurviveTheirJSON() throws {
    let request = SpoolRequest(
      cursors: [SpoolRequest.Cursor(agentID: "a1", logOffset: 12, eventsAfter: 4)], logByteLimit: 100,
      eventLimit: 3)
    #expect(SpoolRequest(json: try JSONParser.parse(JSONWriter.string(request.jsonValue))) == request)
    let event = StoredEvent(
      id: 9, agentID: "a1", time: Date(timeIntervalSince1970: 1_700_000_000.5), type: .statusChanged,
      fromStatus: .running, toStatus: .completed, message: "done",
      data: .object(JSONObject(keys: ["k"], values: [.bool(true)])))
    let response = SpoolResponse(
      chunks: [
        SpoolChunk(
          agentID: "a1", found: true, status: "running", logOffset: 12, log: [0, 0xff, 10, 0x7b], logSize: 20,
          events: [event]),
        SpoolChunk(agentID: "gone", found: false),
      ], more: true)
    // JSON carries event times to the millisecond: one trip settles them, and a second changes nothing.
    let once = try #require(SpoolResponse(json: try JSONParser.parse(JSONWriter.string(response.jsonValue))))
    #expect(SpoolResponse(json: try JSONParser.parse(JSONWriter.string(once.jsonValue))) == once)
    #expect(once.chunks.map(\.events.count) == response.chunks.map(\.events.count))
    #expect(once.chunks.map(\.log) == response.chunks.map(\.log) && once.more == response.more)
    #expect(
      SpoolRequest(json: try JSONParser.parse(#"{"agents":[{"id":"a","log_offset":-1,"events_after":0}]}"#))
        == nil)
  }

  @Test func ingestingAgainAfterARestartDuplicatesNothingAndTheCopyIsByteIdentical() async throws {
    let world = try World()
    // Not UTF-8, and a last line without its newline yet.
    try world.append(Array("{\"type\":\"system\"}\n".utf8) + [0xff, 0xfe, 10] + Array("partial".utf8))
    _ = try world.hostStore.transition(id: world.agent.remoteID, from: [.queued, .starting], to: .running)
    let first = try world.hosts()
    let report = await first.ingest(fetch: world.fetch())
    #expect(report.unreachable.isEmpty && report.statuses == ["r1": "running"], "\(report)")
    #expect(try world.copy(first) == [UInt8](try Data(contentsOf: URL(fileURLWithPath: world.hostLog))))
    let hostEvents = try world.hostStore.events(agentID: world.agent.remoteID)
    #expect(try first.remoteEvents().map(\.event) == hostEvents)

    // Nothing new: nothing changes.
    _ = await first.ingest(fetch: world.fetch())
    #expect(try first.remoteEvents().count == hostEvents.count)

    // More on the host; a fresh controller process resumes from the offsets kept on disk.
    try world.append(Array(" line ends\n{\"type\":\"result\"}\n".utf8))
    _ = try world.hostStore.transition(id: world.agent.remoteID, from: [.running], to: .completed)
    let restarted = try world.hosts()
    let second = await restarted.ingest(fetch: world.fetch(logBytes: 1 << 20, events: 1000))
    #expect(second.statuses == ["r1": "completed"])
    #expect(try world.copy(restarted) == [UInt8](try Data(contentsOf: URL(fileURLWithPath: world.hostLog))))
    let all = try restarted.remoteEvents()
    #expect(all.map(\.event) == (try world.hostStore.events(agentID: world.agent.remoteID)))
    #expect(
      Set(all.map(\.event.id)).count == all.count
        && all.allSatisfy { $0.host == "h1" && $0.agentName == "r1" })
    #expect(
      try restarted.remoteEvents(after: all[1].sequence).map(\.sequence) == all.dropFirst(2).map(\.sequence))
  }

  @Test func anAnswerAppliedTwiceOrWithAGapChangesNothing() throws {
    let world = try World()
    let hosts = try world.hosts()
    let event = StoredEvent(
      id: 5, agentID: world.agent.remoteID, time: Date(), type: .created, toStatus: .queued)
    let chunk = SpoolChunk(
      agentID: world.agent.remoteID, found: true, status: "running", logOffset: 0, log: Array("abc\n".utf8),
      logSize: 4, events: [event])
    let answer = SpoolResponse(chunks: [chunk], more: false)
    try hosts.ledger.apply(answer, agents: [world.agent])
    try hosts.ledger.apply(answer, agents: [world.agent])
    #expect(try world.copy(hosts) == Array("abc\n".utf8))
    #expect(try hosts.remoteEvents().count == 1)
    // Overlapping bytes land on themselves; bytes past a gap are not written.
    var overlap = chunk
    overlap.logOffset = 2
    overlap.log = Array("c\nde".utf8)
    var gap = chunk
    gap.logOffset = 10
    gap.log = Array("zz".utf8)
    try hosts.ledger.apply(SpoolResponse(chunks: [overlap, gap], more: false), agents: [world.agent])
    #expect(try world.copy(hosts) == Array("abc\nde".utf8))
    // A chunk for an agent not asked about is ignored.
    var stranger = chunk
    stranger.agentID = "ffff0000"
    try hosts.ledger.apply(SpoolResponse(chunks: [stranger], more: false), agents: [world.agent])
    #expect(try hosts.remoteEvents().count == 1)
    let request = try hosts.ledger.request(for: [world.agent])
    #expect(
      request.cursors == [SpoolRequest.Cursor(agentID: world.agent.remoteID, logOffset: 6, eventsAfter: 5)])
  }

  @Test func anUnreachableHostKeepsItsOffsetsAndIngestionResumesWhenItAnswers() async throws {
    let world = try World()
    try world.append(Array("one\n".utf8))
    let hosts = try world.hosts()
    _ = await hosts.ingest(fetch: world.fetch())
    try world.append(Array("two\n".utf8))
    let cut = await hosts.ingest(fetch: { host, _ in
      throw HostError(.unreachable, host: host.name, "host \(host.name) is unreachable")
    })
    #expect(cut.unreachable["h1"]?.code == .unreachable && cut.statuses.isEmpty)
    #expect(try world.copy(hosts) == Array("one\n".utf8))
    _ = await hosts.ingest(fetch: world.fetch())
    #expect(try world.copy(hosts) == Array("one\ntwo\n".utf8))
    #expect(
      try hosts.remoteEvents().count == (try world.hostStore.events(agentID: world.agent.remoteID)).count)
  }

  @Test func largeEventsAreSplitAcrossAnswersAndAHostSayingMoreForeverIsNotAskedForever() async throws {
    let world = try World()
    let message = String(repeating: "x", count: 100_000)
    for _ in 1...5 {
      try world.hostStore.appendEvent(agentID: world.agent.remoteID, type: "big", message: message)
    }
    let request = SpoolRequest(cursors: [
      SpoolRequest.Cursor(agentID: world.agent.remoteID, logOffset: 0, eventsAfter: 0)
    ])
    let first = try AgentManager.spool(request, store: world.hostStore, logPath: { _ in "/nonexistent" })
    #expect(first.more && first.chunks[0].events.count == 3, "\(first.chunks[0].events.count)")
    let hosts = try world.hosts()
    _ = await hosts.ingest(fetch: world.fetch(logBytes: 1 << 20, events: 1000))
    #expect(try hosts.remoteEvents().count == 6)

    let calls = Mutex(0)
    _ = await hosts.ingest(fetch: { _, _ in
      calls.withLock { $0 += 1 }
      return SpoolResponse(chunks: [], more: true)
    })
    #expect(calls.withLock { $0 } == 1)
  }

  @Test func theHostParsesWholeLinesFromAnOffsetAndALineLongerThanTheLimitWhole() throws {
    let world = try World()
    try world.append(Array("first\na much longer second line\npart".utf8))
    let path = world.hostLog
    let parse = { (from: Int64, limit: Int, final: Bool) throws -> SpoolChunk in
      let cursor = SpoolRequest.Cursor(
        agentID: world.agent.remoteID, logOffset: 0, eventsAfter: 0, parseFrom: from, parseFinal: final)
      let response = try AgentManager.spool(
        SpoolRequest(cursors: [cursor], logByteLimit: limit), store: world.hostStore, logPath: { _ in path },
        reader: { _ in
          AgentLogReader(
            path: path, segments: { [AgentLogReader.Segment(start: 0, provider: "plain")] },
            parser: { _ in PlainTextParser() })
        })
      return try #require(response.chunks.first)
    }
    let texts = { (chunk: SpoolChunk) in
      (chunk.parsed ?? []).map { event -> String in
        if case .assistantText(let text) = event.kind { return "\(event.offset):\(text)" }
        return "?"
      }
    }
    let all = try parse(0, 1 << 20, false)
    #expect(
      texts(all) == ["0:first", "6:a much longer second line"] && all.parsedTo == 32 && !all.parsedMore)
    let cut = try parse(0, 8, false)
    #expect(texts(cut) == ["0:first"] && cut.parsedTo == 6 && cut.parsedMore)
    let long = try parse(6, 3, false)
    #expect(texts(long) == ["6:a much longer second line"] && long.parsedTo == 32)
    let last = try parse(32, 1 << 20, true)
    #expect(texts(last) == ["32:part"] && last.parsedTo == 36)
    let response = SpoolResponse(chunks: [last], more: false)
    // JSON carries event times to the millisecond: one trip settles them, and a second changes nothing.
    let once = try #require(SpoolResponse(json: try JSONParser.parse(JSONWriter.string(response.jsonValue))))
    #expect(SpoolResponse(json: try JSONParser.parse(JSONWriter.string(once.jsonValue))) == once)
    #expect(once.chunks.map(\.events.count) == response.chunks.map(\.events.count))
    #expect(once.chunks.map(\.log) == response.chunks.map(\.log) && once.more == response.more)
  }

  @Test func anIdThatCouldClimbOutOfTheHomeIsNeverAFileName() throws {
    let world = try World()
    var climbing = world.agent
    climbing.remoteID = "../../etc"
    let hosts = try world.hosts()
    #expect(hosts.localLogPath(of: climbing) == nil)
    #expect(try hosts.ledger.request(for: [climbing]).cursors.isEmpty)
    let path = try #require(hosts.localLogPath(of: world.agent))
    #expect(path == world.home.path + "/remote/h1/\(world.agent.remoteID)/output.log")
  }
}
