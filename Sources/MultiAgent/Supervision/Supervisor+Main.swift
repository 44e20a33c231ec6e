import Foundation
import ProcessKit
import ProviderKit

#if canImport(Glibc)
  import Glibc
#endif

/// The words a detached supervisor is started with, after the embedder's own arguments:
/// `--home H [--adopt] [--await-start --provider P] ID`.
struct SupervisorArguments: Equatable {
  var home: String
  var agentID: String
  var adopt = false
  /// Started ahead by a spawn: wait for the word on descriptor 3 first (see ``PendingSupervisor``).
  var awaitStart = false
  /// With `awaitStart`: the provider whose definition to load while waiting.
  var provider: String?

  var words: [String] {
    var words = ["--home", home]
    if adopt { words.append("--adopt") }
    if awaitStart { words.append("--await-start") }
    if let provider { words += ["--provider", provider] }
    return words + [agentID]
  }

  /// Parses `words`; `nil` when they are not a supervisor's.
  init?(words: [String]) {
    var home: String?
    var rest = words[...]
    while let word = rest.first, word.hasPrefix("--") {
      rest = rest.dropFirst()
      switch word {
      case "--adopt": adopt = true
      case "--await-start": awaitStart = true
      case "--home", "--provider":
        guard let value = rest.first else { return nil }
        rest = rest.dropFirst()
        if word == "--home" { home = value } else { provider = value }
      default: return nil
      }
    }
    guard let home, let id = rest.first, rest.count == 1, !id.isEmpty else { return nil }
    self.home = home
    self.agentID = id
  }

  init(home: String, agentID: String, adopt: Bool = false, awaitStart: Bool = false, provider: String? = nil)
  {
    self.home = home
    self.agentID = agentID
    self.adopt = adopt
    self.awaitStart = awaitStart
    self.provider = provider
  }
}

extension Supervisor {
  /// The entry point of a detached supervisor process: call it from your program's `main` with the
  /// words that follow the `arguments` of your ``Supervision/detached(executable:arguments:)``, and
  /// exit with the code it returns.
  ///
  /// It refuses to run inside an agent (an agent's identity in the environment), becomes a child
  /// subreaper (orphans of the agent's processes come to it), supervises the agent until it settles
  /// and returns.
  ///
  /// - Parameters:
  ///   - arguments: the supervisor's words, as the library wrote them.
  ///   - registry: the providers, with those registered in code — the same the embedder gave its
  ///     ``AgentManager``; `nil` for the built-in catalog merged with the home's `providers.json`.
  ///   - logger: where failures are reported (a detached supervisor's standard error is the agent's
  ///     `supervisor.log`).
  /// - Returns: 0 when the agent was supervised until it settled, 2 for words that are not a
  ///   supervisor's, 77 inside an agent, 1 for any other failure.
  public static func main(
    arguments: [String], registry: ProviderRegistry? = nil,
    logger: any AgentLogger = StandardErrorLogger(minimumLevel: .warning)
  ) -> Int32 {
    guard let parsed = SupervisorArguments(words: arguments) else {
      report("not a supervisor's arguments: \(arguments.joined(separator: " ").prefix(300))")
      return 2
    }
    let environment = ProcessEnvironment.current
    // Supervisors are started with no agent's identity in their environment; an agent may not run one.
    for variable in [Authority.agentIDVariable, Authority.tokenVariable]
    where !(environment[variable] ?? "").isEmpty {
      report("the supervisor is for multiagent itself; an agent may not run it")
      return 77
    }
    Subreaper.become()
    let home = StateHome(path: parsed.home)
    let supervisor = Supervisor(
      home: home, agentID: parsed.agentID, adopt: parsed.adopt, registry: registry,
      supervision: Supervision(environmentValue: environment[Supervision.environmentVariable]), logger: logger
    )
    defer { reportResourceUsage() }
    do {
      if parsed.awaitStart {
        // The spawn gave up (or died) before the word: nothing was started, nothing to report.
        guard
          let store = awaitStart(
            home: home, agentID: parsed.agentID, registry: registry, provider: parsed.provider)
        else { return 0 }
        // Closing the socket tells a spawn --wait that the agent settled.
        try supervisor.run(store: store) { closeStartSocket() }
      } else {
        try supervisor.run()
      }
      return 0
    } catch {
      report("\(error)")
      return 1
    }
  }

  private static func report(_ message: String) {
    FileHandle.standardError.write(Data("multiagent supervisor: error: \(message)\n".utf8))
  }

  /// One line in the supervisor's log with its own CPU time and peak memory, which the lifecycle
  /// benchmark reads (`scripts/bench-lifecycle.py`).
  private static func reportResourceUsage() {
    var usage = rusage()
    guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return }
    let cpu =
      Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
      + Double(usage.ru_stime.tv_usec) / 1e6
    let line = "multiagent supervisor: cpu_seconds=\(cpu) max_rss_kb=\(usage.ru_maxrss)\n"
    FileHandle.standardError.write(Data(line.utf8))
  }
}
