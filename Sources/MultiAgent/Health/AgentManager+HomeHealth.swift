import Foundation
import ProcessKit

#if canImport(Glibc)
  import Glibc
#endif

extension AgentManager {
  /// The home folder and the database: private to the user.
  func homeFindings() -> [HealthFinding] {
    var findings: [HealthFinding] = []
    for (path, expected) in [(home.path, 0o700), (home.path + "/state.db", 0o600)] {
      var status = stat()
      guard lstat(path, &status) == 0 else { continue }
      let mode = Int(status.st_mode) & 0o777
      if mode & 0o077 != 0 {
        findings.append(
          HealthFinding(
            area: "home", subject: path, severity: .problem,
            message: "others may read it (mode \(String(mode, radix: 8)))",
            fix: "chmod \(String(expected, radix: 8)) \(path)"))
      }
    }
    if findings.isEmpty {
      findings.append(
        HealthFinding(
          area: "home", subject: home.path, severity: .ok, message: "private (folders 0700, files 0600)"))
    }
    return findings
  }

  /// Agents that read as supervised but whose supervisor is gone (this machine's: another machine's
  /// processes cannot be seen from here).
  func agentFindings(_ records: [AgentRecord]) -> [HealthFinding] {
    let inspector = ProcessInspector()
    var findings: [HealthFinding] = []
    for record in records
    where [.starting, .running, .waitingForAccount].contains(record.status) && !isElsewhere(record) {
      guard let supervisor = record.supervisor, !inspector.isAlive(supervisor) else { continue }
      findings.append(
        HealthFinding(
          area: "agent", subject: record.name, severity: .problem,
          message: "reads \(record.status.rawValue) but its supervisor (pid \(supervisor.pid)) is gone",
          fix: "`multiagent reconcile` adopts its CLI or settles it (any other command does too)"))
    }
    return findings
  }

  /// Folders under `<home>/worktrees` no agent owns, and agents whose worktree vanished.
  func worktreeFindings(_ records: [AgentRecord]) -> [HealthFinding] {
    let owned = Set(records.compactMap(\.worktreePath))
    var findings: [HealthFinding] = []
    let names = (try? FileManager.default.contentsOfDirectory(atPath: home.worktreesDirectory)) ?? []
    for name in names.sorted() {
      let path = home.worktreesDirectory + "/" + name
      guard !owned.contains(path) else { continue }
      findings.append(
        HealthFinding(
          area: "worktree", subject: path, severity: .problem, message: "no agent owns this worktree",
          fix:
            "`git worktree remove --force \(path)` in its repository (or delete it and `git worktree prune`)")
      )
    }
    for record in records where !record.status.isTerminal && !isElsewhere(record) {
      guard let path = record.worktreePath, !FileManager.default.fileExists(atPath: path) else { continue }
      findings.append(
        HealthFinding(
          area: "worktree", subject: path, severity: .warning,
          message: "agent \(record.name) (\(record.status.rawValue)) has lost its worktree",
          fix: "`multiagent stop \(record.name)` or `multiagent delete \(record.name)`"))
    }
    return findings
  }
}
