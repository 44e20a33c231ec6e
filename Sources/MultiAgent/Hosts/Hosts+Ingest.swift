import JSONKit
import ProviderKit

/// How one host's spool reaches the controller: a request, and the host's answer. The default runs
/// `multiagent __spool` on the host over its shared SSH connection; tests give their own.
public typealias SpoolFetch = @Sendable (RemoteHost, SpoolRequest) async throws -> SpoolResponse

/// What one round of ingestion saw.
public struct IngestReport: Sendable {
  /// Why each host that could not be read was not (by host name); its agents keep what was
  /// ingested before, and the next round resumes from there.
  public var unreachable: [String: HostError] = [:]
  /// The status each host gave its agents, by agent name (agents of unreachable hosts are absent).
  public var statuses: [String: String] = [:]

  /// An empty report.
  public init() {}
}

/// Ingesting the spools of remote agents: their events and raw logs, from the offsets kept here, one
/// SSH call per host for all its agents (more only while an answer says a limit cut it short).
extension Hosts {
  /// The hidden command a host's multiagent answers ``SpoolRequest``s with.
  public static let spoolCommand = "__spool"

  /// Ingests what is new in the spools of the remote agents (those called `names`, or all), every
  /// host at once. A host that does not answer within `timeout` is reported, never waited for.
  public func ingest(
    names: Set<String>? = nil, timeout: Duration = .seconds(5), fetch: SpoolFetch? = nil
  ) async -> IngestReport {
    let rows = ((try? remoteAgents.list()) ?? []).filter { names?.contains($0.name) ?? true }
    let byHost = Dictionary(grouping: rows) { $0.host.lowercased() }
    let fetch =
      fetch ?? { [self] host, request in try await fetchSpool(request, from: host, timeout: timeout) }
    return await withTaskGroup(of: IngestReport.self) { group in
      for (_, agents) in byHost {
        group.addTask { await ingest(agents, fetch: fetch) }
      }
      var report = IngestReport()
      for await part in group {
        report.unreachable.merge(part.unreachable) { first, _ in first }
        report.statuses.merge(part.statuses) { first, _ in first }
      }
      return report
    }
  }

  /// Ingests `agents`, all on one host, until the host has nothing more, or an answer that says it
  /// has more brought nothing new (a host that misbehaves is not asked forever).
  private func ingest(_ agents: [RemoteAgent], fetch: SpoolFetch) async -> IngestReport {
    var report = IngestReport()
    guard let name = agents.first?.host else { return report }
    guard let host = try? store.host(named: name) else {
      report.unreachable[name] = HostError(.unreachable, host: name, "host \(name) is not in the list")
      return report
    }
    while !Task.isCancelled {
      do {
        let request = try ledger.request(for: agents)
        let response = try await fetch(host, request)
        report.statuses.merge(try ledger.apply(response, agents: agents)) { _, new in new }
        let next = try ledger.request(for: agents)
        if !response.more || next == request { break }
      } catch let error as HostError {
        report.unreachable[host.name] = error
        break
      } catch {
        report.unreachable[host.name] = HostError(.localFailure, host: host.name, "\(error)")
        break
      }
    }
    return report
  }

  /// Asks `host`'s multiagent for `request` (on standard input) over its shared connection.
  ///
  /// - Throws: ``HostError``: what reaching the host throws, `notInstalled`, or `remoteFailed` when
  ///   its multiagent fails or prints no answer (an older one without `__spool`).
  public func fetchSpool(_ request: SpoolRequest, from host: RemoteHost, timeout: Duration)
    async throws(HostError) -> SpoolResponse
  {
    let text = try await runMultiAgent(
      [Self.spoolCommand], on: host, input: Array(JSONWriter.string(request.jsonValue).utf8),
      timeout: timeout, outputLimit: 8 << 20)
    guard let value = try? JSONParser.parse(Array(text.utf8)), let response = SpoolResponse(json: value)
    else {
      throw HostError(
        .remoteFailed, host: host.name,
        "host \(host.name) gave no spool answer (is its multiagent older? `multiagent hosts install "
          + "\(host.name) --force` updates it)")
    }
    return response
  }

  /// The events `agent`'s host parses from its log's lines from byte `offset` (the start of a line:
  /// 0, or a previous ``RemoteLogPart/nextOffset``), with what is new in its spool ingested on the
  /// way (the same SSH call). With `final`, a last line without its newline is parsed too; it is
  /// anyway once the agent has settled.
  ///
  /// - Throws: ``HostError``: what reaching the host throws, or `remoteFailed` when the host has no
  ///   such agent (any more).
  public func remoteParsedLog(
    _ agent: RemoteAgent, from offset: Int64, final: Bool, timeout: Duration = .seconds(30)
  ) async throws(HostError) -> RemoteLogPart {
    let host = try remoteHost(of: agent)
    var request: SpoolRequest
    do {
      request = try ledger.request(for: [agent])
    } catch {
      throw HostError(.localFailure, host: host.name, "cannot read what was ingested: \(error.message)")
    }
    guard !request.cursors.isEmpty else {
      throw HostError(
        .remoteFailed, host: host.name, "\(agent.name) has an id host \(host.name) should not have given")
    }
    request.cursors[0].parseFrom = offset
    request.cursors[0].parseFinal = final
    let response = try await fetchSpool(request, from: host, timeout: timeout)
    _ = try? ledger.apply(response, agents: [agent])
    guard let chunk = response.chunks.first, chunk.found, let events = chunk.parsed else {
      throw HostError(
        .remoteFailed, host: host.name, "on host \(host.name): no agent \(agent.remoteID) there any more")
    }
    return RemoteLogPart(
      events: events, nextOffset: chunk.parsedTo, more: chunk.parsedMore,
      status: chunk.status.flatMap(AgentStatus.init(rawValue:)))
  }

  /// The events ingested from hosts after `sequence` (see ``RemoteEvent/sequence``), oldest first;
  /// only the agent called `agent`'s when given.
  public func remoteEvents(after sequence: Int64 = 0, agent: String? = nil) throws(StoreError)
    -> [RemoteEvent]
  {
    try ledger.events.events(after: sequence, agent: agent)
  }

  /// The local copy of `agent`'s raw log (`<home>/remote/<host>/<agent-id>/output.log`): as much of
  /// the host's log as was ingested, byte for byte; nil when its id cannot be a file name.
  public func localLogPath(of agent: RemoteAgent) -> String? { ledger.logPath(of: agent) }

  /// How many bytes of `agent`'s log were ingested.
  public func ingestedLogSize(of agent: RemoteAgent) -> Int64 { ledger.logOffset(of: agent) }
}

/// A part of a remote agent's log as its host parsed it (see
/// ``Hosts/remoteParsedLog(_:from:final:timeout:)``).
public struct RemoteLogPart: Sendable {
  /// The events of the lines parsed, each with its line's byte offset in the host's log.
  public var events: [AgentEvent]
  /// Where the next part starts: the first line not parsed yet.
  public var nextOffset: Int64
  /// Whether a limit stopped the parse before the log's end: ask for the next part at once.
  public var more: Bool
  /// The agent's status on the host, read before its log.
  public var status: AgentStatus?

  /// Creates a part.
  public init(events: [AgentEvent], nextOffset: Int64, more: Bool, status: AgentStatus?) {
    self.events = events
    self.nextOffset = nextOffset
    self.more = more
    self.status = status
  }
}
