import Foundation
import ProcessKit

extension AgentManager {
  /// What ``cleanup(dryRun:grace:)`` found (and, unless it was a dry run, removed).
  public struct CleanupReport: Sendable, Hashable {
    /// A process left running for an agent that no longer exists.
    public struct OrphanProcess: Sendable, Hashable {
      /// Its pid.
      public var pid: Int32
      /// The `MULTIAGENT_AGENT_ID` in its environment.
      public var agentID: String
    }

    /// Directories under `<home>/worktrees` that belong to no agent.
    public var worktrees: [String] = []
    /// State directories `<home>/agents/<id>` with no agent record.
    public var stateDirectories: [String] = []
    /// Processes whose `MULTIAGENT_AGENT_ID` names an agent of this home that no longer exists.
    public var processes: [OrphanProcess] = []
    /// What could not be removed, one sentence each.
    public var failures: [String] = []

    /// Whether nothing was found.
    public var isEmpty: Bool { worktrees.isEmpty && stateDirectories.isEmpty && processes.isEmpty }
  }

  /// Finds what agents left behind — worktrees under `<home>/worktrees` that no agent owns, state
  /// directories with no record, and processes whose environment carries the id of an agent of this
  /// home that no longer exists — and removes it (processes: SIGTERM, then SIGKILL after a grace
  /// period). With `dryRun`, only reports.
  ///
  /// Candidates are collected before the records are read, so an agent being spawned meanwhile
  /// (its record is always written before its files and processes) is never taken for an orphan.
  /// Branches are never deleted.
  public func cleanup(dryRun: Bool = false, grace: Duration = .seconds(3)) async -> CleanupReport {
    var report = CleanupReport()
    let candidates = orphanProcessCandidates()
    let stateDirectories = Self.entries(of: home.agentsDirectory)
    let worktreeDirectories = Self.entries(of: home.worktreesDirectory)
    let records: [AgentRecord]
    do { records = try store.list(.all) } catch {
      report.failures.append("cannot read the agents: \(error)")
      return report
    }
    let ids = Set(records.map(\.id))
    let owned = Set(records.compactMap { $0.worktreePath.map(FileSystem.absolute) })
    // Sessions of live agents' processes: never touched, whatever their environment says.
    let inspector = ProcessInspector()
    var protectedSessions: Set<Int32> = []
    for record in records {
      for identity in [record.cli, record.supervisor].compactMap({ $0 }) where inspector.isAlive(identity) {
        protectedSessions.insert(identity.pid)
      }
    }

    report.processes = candidates.filter { candidate in
      !ids.contains(candidate.agentID) && !protectedSessions.contains(candidate.snapshot.sessionID)
    }.map { CleanupReport.OrphanProcess(pid: $0.snapshot.pid, agentID: $0.agentID) }
    report.stateDirectories = stateDirectories.filter { !ids.contains($0) }.map {
      home.agentsDirectory + "/" + $0
    }
    report.worktrees = worktreeDirectories.map { home.worktreesDirectory + "/" + $0 }.filter {
      !owned.contains(FileSystem.absolute($0))
    }
    if dryRun { return report }

    let orphans = candidates.filter { candidate in
      report.processes.contains { $0.pid == candidate.snapshot.pid }
    }
    await terminate(orphans.map(\.snapshot), grace: grace, failures: &report.failures)
    for path in report.worktrees {
      do {
        try Worktrees().remove(repository: Self.mainRepository(ofWorktree: path) ?? path, path: path)
      } catch {
        report.failures.append("cannot remove worktree \(path): \(error.message)")
      }
    }
    for path in report.stateDirectories {
      do { try FileManager.default.removeItem(atPath: path) } catch {
        report.failures.append("cannot remove \(path): \(error.localizedDescription)")
      }
    }
    return report
  }

  private struct Candidate {
    var snapshot: ProcessSnapshot
    var agentID: String
  }

  /// Processes (not this one, nor its ancestors) with a `MULTIAGENT_AGENT_ID` that belong to this
  /// home: their `MULTIAGENT_HOME` or signal file says so, or they name no home at all.
  private func orphanProcessCandidates() -> [Candidate] {
    let table = ProcessInspector()
    let snapshots = table.allSnapshots()
    var excluded: Set<Int32> = []
    var pid = table.currentPID()
    let byPID = Dictionary(snapshots.map { ($0.pid, $0) }, uniquingKeysWith: { first, _ in first })
    while pid > 1, excluded.insert(pid).inserted, let parent = byPID[pid]?.parentPID { pid = parent }

    let homePath = FileSystem.absolute(home.path)
    let agentsPrefix = homePath + "/agents/"
    var candidates: [Candidate] = []
    for snapshot in snapshots where !snapshot.isZombie && !excluded.contains(snapshot.pid) {
      guard case .entries(let entries) = table.environment(of: snapshot.pid) else { continue }
      var agentID: String?
      var processHome: String?
      var signalFile: String?
      for entry in entries {
        if let value = Self.value(of: "MULTIAGENT_AGENT_ID", in: entry) {
          agentID = value
        } else if let value = Self.value(of: StateHome.environmentVariable, in: entry) {
          processHome = value
        } else if let value = Self.value(of: QuestionProtocol.signalFileVariable, in: entry) {
          signalFile = value
        }
      }
      guard let agentID, !agentID.isEmpty else { continue }
      let belongsHere: Bool
      if let processHome, !processHome.isEmpty {
        belongsHere = FileSystem.absolute(processHome) == homePath
      } else if let signalFile, !signalFile.isEmpty {
        belongsHere = FileSystem.absolute(signalFile).hasPrefix(agentsPrefix)
      } else {
        belongsHere = true
      }
      if belongsHere { candidates.append(Candidate(snapshot: snapshot, agentID: agentID)) }
    }
    return candidates
  }

  /// SIGTERM to each process, up to `grace` for them to exit, then SIGKILL. A process whose pid now
  /// names another process (different start time) is left alone.
  private func terminate(_ processes: [ProcessSnapshot], grace: Duration, failures: inout [String]) async {
    guard !processes.isEmpty else { return }
    if case .survivors(let pids) = await ProcessTerminator().terminate(processes, grace: grace) {
      failures.append("processes \(pids.map { String($0) }.joined(separator: ", ")) did not exit")
    }
  }

  /// `value` when `entry` is `name=value`.
  private static func value(of name: String, in entry: [UInt8]) -> String? {
    let prefix = Array((name + "=").utf8)
    guard entry.count >= prefix.count, entry.starts(with: prefix) else { return nil }
    return String(decoding: entry[prefix.count...], as: UTF8.self)
  }

  /// The names in `directory` (none when it does not exist).
  private static func entries(of directory: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { !$0.hasPrefix(".") }
      .sorted()
  }

  /// The main working tree of the repository that `path` is a linked worktree of, if it is one.
  private static func mainRepository(ofWorktree path: String) -> String? {
    guard let output = try? GitRunner().run(["rev-parse", "--git-common-dir"], in: path), output.status == 0
    else {
      return nil
    }
    var common = output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !common.isEmpty else { return nil }
    if !common.hasPrefix("/") { common = path + "/" + common }
    let url = URL(fileURLWithPath: common).standardizedFileURL
    let repository = url.lastPathComponent == ".git" ? url.deletingLastPathComponent().path : url.path
    return FileSystem.absolute(repository) == FileSystem.absolute(path) ? nil : repository
  }
}
