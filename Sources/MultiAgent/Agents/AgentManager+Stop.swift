import Foundation
import ProcessKit
import ProviderKit

extension AgentManager {
  /// Stops an agent and its descendants (see ``stopTree(_:grace:)``): each is marked `stopped`,
  /// then SIGTERM goes to their CLIs' process groups and SIGKILL after `grace`. Worktrees are kept.
  ///
  /// - Returns: the agent's record.
  /// - Throws: ``AgentError`` when the agent and its descendants have already finished.
  @discardableResult
  public func stop(_ reference: String, grace: Duration = .seconds(5)) async throws(AgentError) -> AgentRecord
  {
    try await stopTree(reference, grace: grace).agent
  }

  /// Ends the CLI's process tree, then the supervisor if it lingers.
  func terminateProcesses(of record: AgentRecord, grace: Duration) async {
    let terminator = ProcessTerminator()
    if let cli = record.cli {
      _ = await terminator.terminate(cli, grace: grace)
    }
    if let supervisor = record.supervisor, ProcessInspector().isAlive(supervisor) {
      // The supervisor settles and exits by itself once its CLI is gone; give it a moment.
      if await !ProcessInspector().waitUntilGone(supervisor, timeout: .seconds(3)) {
        _ = await terminator.terminate(supervisor, grace: .seconds(1))
      }
    }
  }

  /// Deletes an agent and its descendants (see ``deleteTree(_:keepBranch:)``): their processes,
  /// worktrees, the branches multiagent created (unless `keepBranch`), logs and records. Branches
  /// multiagent did not create are never touched.
  public func delete(_ reference: String, keepBranch: Bool = false) async throws(AgentError) {
    try await deleteTree(reference, keepBranch: keepBranch)
  }

  /// Deletes one agent (not its descendants): stops its processes, removes its worktree, the
  /// branch multiagent created (unless `keepBranch`), its logs and its record.
  func deleteOne(_ reference: String, keepBranch: Bool = false) async throws(AgentError) {
    let record = try agent(reference)
    // Another machine's agent is deleted here only once it finished (see deleteTree): its pids
    // name nothing here.
    if !isElsewhere(record) { await terminateProcesses(of: record, grace: .seconds(5)) }
    let worktrees = Worktrees()
    if let cwd = record.cwd, let worktree = record.worktreePath, record.createdWorktree {
      let repository = (try? worktrees.repositoryRoot(containing: cwd)) ?? cwd
      do { try worktrees.remove(repository: repository, path: worktree) } catch {
        throw AgentError(.worktree, error.message)
      }
      if record.createdBranch, !keepBranch, let branch = record.branch {
        do { try worktrees.deleteBranch(branch, in: repository) } catch {
          throw AgentError(.worktree, error.message)
        }
      }
    }
    let paths = AgentPaths(home: home, id: record.id)
    unlink(paths.heldQuestion)
    let directory = paths.directory
    if FileSystem.exists(directory) {
      do { try FileManager.default.removeItem(atPath: directory) } catch {
        throw AgentError(.invalidPath, "cannot remove \(directory): \(error.localizedDescription)")
      }
    }
    _ = try storeCall { try store.delete(id: record.id) }
  }

  /// Hides a finished agent from `list` (it stays in `list --all`).
  public func dismiss(_ reference: String) throws(AgentError) -> AgentRecord {
    let record = try agent(reference)
    guard record.status.isTerminal || record.status == .waitingForInput else {
      throw AgentError(
        .invalidState, "\(record.name) is \(record.status.rawValue); stop it before dismissing it")
    }
    return try storeCall { try store.update(id: record.id) { $0.dismissedAt = $0.dismissedAt ?? Date() } }
  }
}
