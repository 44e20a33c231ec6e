import Foundation
import MultiAgent
import ProviderKit

/// `logs NAME [--raw] [--follow]` of an agent on a host: both follow the host's log by byte offset,
/// with no gap or repeat however often the host is cut off meanwhile.
enum RemoteLogs {
  /// The statuses at which following ends: every one but queued, starting and running.
  static func isSettled(_ status: AgentStatus?) -> Bool {
    status.map { ![.queued, .starting, .running].contains($0) } ?? false
  }

  /// Prints the log: raw, or as its host parses it.
  static func run(_ agent: RemoteAgent, hosts: Hosts, raw: Bool, follow: Bool, context: CommandContext)
    async throws -> ExitCode
  {
    raw
      ? try await rawLogs(agent, hosts: hosts, follow: follow, context: context)
      : try await parsedLogs(agent, hosts: hosts, follow: follow, context: context)
  }

  /// `--raw`: ingests its host's spool, then prints the local copy from the last byte printed — byte
  /// for byte the host's log. Following ends once the host reports the agent settled (its status is
  /// read before its log, so the copy is then whole). A host that does not answer is named on
  /// standard error, once; without `--follow`, what was ingested before is printed.
  static func rawLogs(_ agent: RemoteAgent, hosts: Hosts, follow: Bool, context: CommandContext) async throws
    -> ExitCode
  {
    guard let path = hosts.localLogPath(of: agent) else {
      throw CLIError.failure("invalid_state", "\(agent.name) has an id its host should not have given")
    }
    var printed: UInt64 = 0
    var warned = false
    while true {
      let report = await hosts.ingest(names: [agent.name])
      if let error = report.unreachable[agent.host] {
        if !warned {
          context.console.writeError("warning: \(error.message); showing the log ingested so far\n")
        }
        warned = true
      } else {
        warned = false
      }
      printed += copyBytes(from: path, at: printed)
      if report.unreachable.isEmpty, report.statuses[agent.name] == nil { throw gone(agent) }
      if !follow || isSettled(report.statuses[agent.name].flatMap(AgentStatus.init(rawValue:))) {
        return .success
      }
      try await Task.sleep(for: .milliseconds(500))
    }
  }

  /// Parsed: the events the host's parser makes of the log's lines, asked from the first line not
  /// parsed yet (a line still being written waits for its end, unless the agent settled or this is
  /// not `--follow`). One SSH call a round, which also ingests the spool. Without `--follow` a host
  /// that does not answer is an error; following, it is named on standard error and waited for.
  static func parsedLogs(_ agent: RemoteAgent, hosts: Hosts, follow: Bool, context: CommandContext)
    async throws -> ExitCode
  {
    var printer = EventPrinter(json: context.json, console: context.console)
    var offset: Int64 = 0
    var warned = false
    while true {
      let part: RemoteLogPart
      switch await result({ () async throws(HostError) in
        try await hosts.remoteParsedLog(agent, from: offset, final: !follow)
      }) {
      case .success(let answered):
        part = answered
        warned = false
      case .failure(let error):
        guard follow, error.code == .unreachable else { throw error }
        if !warned { context.console.writeError("warning: \(error.message); following when it answers\n") }
        warned = true
        try await Task.sleep(for: .seconds(1))
        continue
      }
      for event in part.events { printer.print(event) }
      offset = part.nextOffset
      if part.more { continue }
      if !follow || isSettled(part.status) { return .success }
      try await Task.sleep(for: .milliseconds(500))
    }
  }

  /// The error for an agent its host answered it has no record of.
  static func gone(_ agent: RemoteAgent) -> CLIError {
    CLIError.failure(
      "not_found", "\(agent.name) is gone from host \(agent.host): the host has no record of it any more",
      hint: "`multiagent delete \(agent.name)` removes it here")
  }

  /// What `body` returned or threw.
  private static func result<T>(_ body: () async throws(HostError) -> T) async -> Result<T, HostError> {
    do {
      return .success(try await body())
    } catch {
      return .failure(error)
    }
  }

  /// Writes the bytes of the file at `path` from `offset` to standard output; returns how many.
  private static func copyBytes(from path: String, at offset: UInt64) -> UInt64 {
    guard let handle = FileHandle(forReadingAtPath: path) else { return 0 }
    defer { try? handle.close() }
    guard (try? handle.seek(toOffset: offset)) != nil else { return 0 }
    var copied: UInt64 = 0
    while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty {
      AgentOutput.writeBytes([UInt8](chunk))
      copied += UInt64(chunk.count)
    }
    return copied
  }
}
