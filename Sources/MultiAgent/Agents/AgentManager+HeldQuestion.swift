import Foundation
import ProcessKit

#if canImport(Glibc)
  import Glibc
#endif

extension AgentManager {
  /// The agents waiting for input with a question a live CLI holds, that ``reconcile()`` would not
  /// load otherwise (no worktree); a held file of an agent that is gone is removed.
  func heldQuestionAgents() -> [AgentRecord] {
    let directory = AgentPaths.heldDirectory(home)
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    return names.compactMap { name in
      guard name.hasSuffix(".json") else { return nil }
      let id = String(name.dropLast(".json".count))
      let found: AgentRecord?
      do { found = try store.agent(id: id) } catch { return nil }
      guard let record = found else {
        unlink(directory + "/" + name)
        return nil
      }
      return record.status == .waitingForInput && record.worktreePath == nil ? record : nil
    }
  }

  /// A question a live CLI held open whose supervisor died: the pipe to the CLI went with it, so
  /// the CLI is ended (it normally ends by itself at end of input) and the agent keeps waiting with
  /// its questions, answerable by resuming the session.
  func releaseOrphanedQuestion(_ record: AgentRecord) {
    let paths = AgentPaths(home: home, id: record.id)
    guard FileSystem.exists(paths.heldQuestion) else { return }
    let inspector = ProcessInspector()
    if let supervisor = record.supervisor, inspector.isAlive(supervisor) { return }
    guard claimRepair(of: record) else { return }
    if let cli = record.cli, inspector.isAlive(cli) {
      FamilyCascade.terminateBlocking([record], grace: .seconds(2))
    }
    unlink(paths.heldQuestion)
    unlink(paths.liveAnswer)
    logger.attempt("store the questions_released event", agent: record.id) {
      try store.appendEvent(
        agentID: record.id, type: "questions_released",
        message:
          "the supervisor holding the questions died; the CLI was ended and an answer resumes the session")
    }
  }
}

extension AgentManager {
  /// Whether an agent has reporting children still running, or messages waiting in its inbox.
  func waitsForChildrenOrMessages(_ record: AgentRecord, paths: AgentPaths) -> Bool {
    if !AgentInbox(paths: paths).isEmpty { return true }
    let children = (try? store.list(AgentStore.Filter(parentID: record.id, includeDismissed: true))) ?? []
    return children.contains { $0.reportsToParent && !ChildReport.reported.contains($0.status) }
  }
}

extension AgentManager {
  /// After a stop ended their processes: what a stopped agent's CLI printed that its supervisor did
  /// not commit (it was ended too, say while the database was busy) is parsed here — nobody runs a
  /// stopped agent any more, and reconcile looks only at live ones.
  func parseWhatTheirSupervisorsLeft(_ records: [AgentRecord]) {
    for stopped in records {
      guard let current = try? store.agent(id: stopped.id), current.status == .stopped,
        !(current.supervisor.map { ProcessInspector().isAlive($0) } ?? false)
      else { continue }
      let paths = AgentPaths(home: home, id: current.id)
      guard Self.logSize(paths.outputLog) > current.parseOffset else { continue }
      logger.attempt("parse the rest of the log of a stopped agent", agent: current.id) {
        try parseRestOfLog(current, paths: paths, keepingError: current.error)
      }
    }
  }
}
