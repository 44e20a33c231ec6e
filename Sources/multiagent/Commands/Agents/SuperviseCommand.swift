import Foundation
import MultiAgent
import ProcessKit

/// `multiagent __supervise [--adopt] ID`: the detached supervisor of one agent (internal, hidden).
struct SuperviseCommand: ParsableCommand {
  static let adopt = Flag("adopt", help: "Follow the CLI already running instead of starting one.")
  static let awaitStart = Flag(
    "await-start", help: "Started ahead by spawn: wait for the word on descriptor 3, then supervise.")
  static let provider = Option<String>(
    "provider", valueName: "name", help: "With --await-start: the provider to load while waiting.")
  static let agentID = Argument(name: "id", help: "The agent's id.")

  static let configuration = CommandConfiguration(
    name: "__supervise",
    abstract: "Supervise one agent's run (started by multiagent itself).",
    options: [adopt, awaitStart, provider],
    arguments: [agentID],
    isHidden: true
  )

  let adopts: Bool
  let awaitsStart: Bool
  let providerHint: String?
  let id: String

  init(arguments: ParsedArguments) throws {
    adopts = arguments.isSet(Self.adopt)
    awaitsStart = arguments.isSet(Self.awaitStart)
    providerHint = try arguments.value(Self.provider)
    id = arguments.argument(Self.agentID) ?? ""
  }

  func run(context: CommandContext) async throws -> ExitCode {
    // Supervisors are started with no agent's identity in their environment; an agent may not run one.
    for variable in [Authority.agentIDVariable, Authority.tokenVariable]
    where !(context.environment[variable] ?? "").isEmpty {
      throw AgentError(.forbidden, "__supervise is for multiagent itself; an agent may not run it")
    }
    // Orphans of the agent's processes come to the supervisor, which reaps them and knows after a
    // run whether anything is left.
    Subreaper.become()
    let supervisor = Supervisor(home: context.home, agentID: id, adopt: adopts)
    if awaitsStart {
      // The spawn gave up (or died) before the word: nothing was started, nothing to report.
      guard
        let store = Supervisor.awaitStart(
          home: context.home, agentID: id, provider: providerHint)
      else { return .success }
      defer { Self.reportResourceUsage() }
      // Closing the socket tells a spawn --wait that the agent settled.
      try supervisor.run(store: store) { Supervisor.closeStartSocket() }
      return .success
    }
    defer { Self.reportResourceUsage() }
    try supervisor.run()
    return .success
  }

  /// One line in the supervisor's log with its own CPU time and peak memory, which the lifecycle
  /// benchmark reads (`scripts/bench-lifecycle.py`).
  static func reportResourceUsage() {
    var usage = rusage()
    guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return }
    let cpu =
      Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
      + Double(usage.ru_stime.tv_usec) / 1e6
    let line = "multiagent supervisor: cpu_seconds=\(cpu) max_rss_kb=\(usage.ru_maxrss)\n"
    FileHandle.standardError.write(Data(line.utf8))
  }
}
