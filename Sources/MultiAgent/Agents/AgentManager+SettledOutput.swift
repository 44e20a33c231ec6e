import Foundation
import ProcessKit

extension AgentManager {
  /// How long after an agent settled its log is still checked for output nobody parsed.
  static let settledOutputWindow: TimeInterval = 600

  /// Parses what is left of the logs of agents that settled lately while their supervisor could
  /// not finish: an agent settled by someone else (a vanished worktree, a stop) while its supervisor
  /// still ran relies on that supervisor to parse the CLI's last output as the CLI ends; a
  /// supervisor killed before it did — or a command killed between settling the agent and parsing
  /// the log itself — would leave those bytes unparsed for good, since nothing looks at a settled
  /// agent again. Only this machine's agents whose supervisor and CLI are both gone, and whose log
  /// is longer than what was parsed; the commit is keyed by the offsets, so a supervisor that
  /// parses the same bytes meanwhile wins and nothing is folded in twice.
  func finishOutputOfSettledAgents() {
    let since = Date().addingTimeInterval(-Self.settledOutputWindow)
    guard let rows = try? store.settledParseOffsets(since: since), !rows.isEmpty else { return }
    let inspector = ProcessInspector()
    // Most of these logs were parsed to their end: each is measured relative to the agents folder,
    // without making its path (a busy home has thousands of agents settled in the window).
    let agents = open(home.agentsDirectory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard agents >= 0 else { return }
    defer { close(agents) }
    for row in rows {
      guard Self.outputLogSize(of: row.id, in: agents) > row.parseOffset,
        let record = try? store.agent(id: row.id), !record.isSupervised(elsewhereThan: machine)
      else { continue }
      let paths = AgentPaths(home: home, id: row.id)
      if let supervisor = record.supervisor, inspector.isAlive(supervisor) { continue }
      if let cli = record.cli, inspector.isAlive(cli) { continue }
      logger.attempt("parse the rest of the log of a settled agent", agent: record.id) {
        // Still settled, with the same supervisor: not resumed (`answer`, `send`) meanwhile.
        try parseRestOfLog(record, paths: paths, keepingError: record.error) { current in
          current.status.isTerminal && current.supervisor == record.supervisor
        }
      }
    }
  }

  /// The size of `<id>/output.log` under the open folder `agents` (0 when it cannot be read).
  private static func outputLogSize(of id: String, in agents: Int32) -> Int64 {
    var info = stat()
    return fstatat(agents, id + "/output.log", &info, AT_SYMLINK_NOFOLLOW) == 0 ? Int64(info.st_size) : 0
  }
}
