import Foundation
import MultiAgent
import TestSupport

/// What the checks after a fault run found.
struct FaultReport {
  /// Every broken invariant, one line each.
  var problems: [String] = []
  /// Agents not in the state their faults call for, and streamed lines missing or parsed twice.
  var lost = 0
  /// The bytes of every agent log checked.
  var bytes: Int64 = 0

  mutating func lose(_ problem: String, count: Int = 1) {
    lost += count
    problems.append("lost: " + problem)
  }
}

/// The promises of the issue "Nothing lost, no one in", checked once everything settled: every
/// agent in the final status its faults call for, every streamed line parsed exactly once, no
/// record half-written, no branch or worktree without its agent, no process left.
struct FaultInvariants {
  let world: FaultWorld
  let plan: FaultPlan

  func check() throws -> FaultReport {
    var report = FaultReport()
    guard let records = world.records() else {
      report.problems.append("list --all --json failed")
      return report
    }
    checkStatuses(records, &report)
    try checkLines(records, &report)
    checkStore(count: records.count, &report)
    try checkRepository(records, &report)
    checkProcesses(&report)
    return report
  }

  /// Each agent ended as what was done to it calls for.
  func checkStatuses(_ records: [String: [String: Any]], _ report: inout FaultReport) {
    for name in records.keys where plan.agent(named: name) == nil {
      report.problems.append("a record nobody spawned: \(name)")
    }
    for agent in plan.agents {
      let record = records[agent.name]
      let status = record?["status"] as? String ?? "missing"
      let error = record?["error"] as? String ?? ""
      let result = record?["result"] as? String ?? ""
      switch agent.role {
      case .delete, .deleteKilled:
        if record != nil { report.problems.append("\(agent.name) was deleted but its record is \(status)") }
      case .spawnKilled:
        if record != nil && status != "completed" && status != "crashed" {
          report.lose("\(agent.name) (spawn killed) is \(status): \(error)")
        }
      case .cliKill:
        if status != "crashed" || !error.contains("signal 9") {
          report.lose("\(agent.name) (CLI killed) is \(status): \(error)")
        }
      case .worktreeDelete:
        if status != "crashed" || !(error.contains("worktree") && error.contains("vanished")) {
          report.lose("\(agent.name) (worktree deleted) is \(status): \(error)")
        }
      case .stop, .stopKilled:
        if status != "stopped" { report.lose("\(agent.name) (stopped) is \(status): \(error)") }
      case .ask, .askAnswerKilled:
        if status != "completed" || !result.contains("red") {
          report.lose("\(agent.name) (answered) is \(status): \(result) \(error)")
        }
      case .realClaude, .realCodex:
        if status != "completed" || result != "real done" {
          report.lose("\(agent.name) (real CLI) is \(status): \(result) \(error)")
        }
      case .plain, .supervisorKill, .startKill:
        if status != "completed" { report.lose("\(agent.name) is \(status): \(error)") }
      }
    }
  }

  /// Every numbered line the fake streamed is in `logs --json` exactly once, in order (all of
  /// them for a completed agent, the first k for one stopped or crashed under its worktree), and
  /// the supervisor's parse offset is the log's size: nothing parsed twice, nothing skipped.
  func checkLines(_ records: [String: [String: Any]], _ report: inout FaultReport) throws {
    let pattern = try NSRegularExpression(pattern: #"line ([0-9]+) of ([0-9]+)"#)
    for agent in plan.agents {
      guard let record = records[agent.name], let id = record["id"] as? String else { continue }
      let size = LifecycleSandbox.fileSize(world.home + "/agents/\(id)/output.log")
      report.bytes += size
      let offset = (record["parse_offset"] as? NSNumber)?.int64Value ?? -1
      if offset != size {
        report.lose("\(agent.name): parse_offset \(offset) but the log has \(size) bytes")
      }
      guard !agent.role.isReal, agent.role != .cliKill else { continue }
      let logs = try world.run(["logs", agent.name, "--json"])
      var numbers: [Int] = []
      for line in logs.stdout.split(separator: "\n") {
        let text = String(line)
        let range = NSRange(text.startIndex..., in: text)
        for match in pattern.matches(in: text, range: range) {
          if let number = Range(match.range(at: 1), in: text).flatMap({ Int(text[$0]) }) {
            numbers.append(number)
          }
        }
      }
      let complete = record["status"] as? String == "completed"
      let expected = Array(
        stride(from: 1, through: complete ? agent.lines : min(numbers.count, agent.lines), by: 1))
      if numbers != expected {
        let missing = Set(expected).subtracting(numbers).count
        report.lose(
          "\(agent.name): lines \(Self.summary(numbers)) of \(agent.lines) (\(record["status"] ?? ""))",
          count: max(1, missing + numbers.count - Set(numbers).count))
      }
    }
  }

  /// Every record in the database decodes (statuses are legal ones) through the library's own store.
  func checkStore(count: Int, _ report: inout FaultReport) {
    do {
      let stored = try AgentStore(path: world.home + "/state.db").list(.all)
      if stored.count != count {
        report.problems.append("the store has \(stored.count) records, list shows \(count)")
      }
    } catch {
      report.problems.append("a record does not decode: \(error)")
    }
  }

  /// No branch `multiagent/…`, git worktree (listed, or an entry git cannot list), worktree folder
  /// or state folder without its agent.
  func checkRepository(_ records: [String: [String: Any]], _ report: inout FaultReport) throws {
    let branches = Set(records.values.compactMap { $0["branch"] as? String })
    for branch in try world.lifecycle.branches() where branch.hasPrefix("multiagent/") {
      if !branches.contains(branch) { report.problems.append("leaked branch \(branch)") }
    }
    let worktrees = Set(records.values.compactMap { $0["worktree_path"] as? String })
    let listed = try LifecycleSandbox.git(["worktree", "list", "--porcelain"], in: world.repository)
    for line in listed.split(separator: "\n") where line.hasPrefix("worktree ") {
      let path = String(line.dropFirst("worktree ".count))
      if path.hasPrefix(world.home), !worktrees.contains(path) {
        report.problems.append("git still lists the worktree \(path)")
      }
    }
    // An entry git cannot list (no gitdir: an add interrupted before it wrote one) is a leftover too.
    let entries = world.repository + "/.git/worktrees"
    for entry in (try? FileManager.default.contentsOfDirectory(atPath: entries)) ?? []
    where !FileManager.default.fileExists(atPath: entries + "/" + entry + "/gitdir") {
      report.problems.append("an unfinished worktree entry: .git/worktrees/\(entry)")
    }
    let ids = Set(records.values.compactMap { $0["id"] as? String })
    let (agentFolders, worktreeFolders) = world.lifecycle.leftovers()
    for folder in agentFolders where !ids.contains(folder) {
      report.problems.append("a state folder without its agent: agents/\(folder)")
    }
    for folder in worktreeFolders where !worktrees.contains(world.home + "/worktrees/" + folder) {
      report.problems.append("a worktree folder without its agent: worktrees/\(folder)")
    }
  }

  /// No process of an agent of this home (its CLI or anything the CLI started) and no supervisor
  /// of this home is left.
  func checkProcesses(_ report: inout FaultReport) {
    var left: [String] = []
    _ = eventually(timeout: 15) {
      left = LifecycleSandbox.processes(ofHome: world.home)
      return left.isEmpty
    }
    for process in left { report.problems.append("a process is left: \(process)") }
  }

  /// `1…17, 19, 19, 20…40`: runs of consecutive numbers.
  static func summary(_ numbers: [Int]) -> String {
    var parts: [String] = []
    var index = 0
    while index < numbers.count {
      var end = index
      while end + 1 < numbers.count && numbers[end + 1] == numbers[end] + 1 { end += 1 }
      parts.append(end == index ? "\(numbers[index])" : "\(numbers[index])…\(numbers[end])")
      index = end + 1
    }
    return parts.isEmpty ? "none" : parts.joined(separator: ", ")
  }
}

extension LifecycleSandbox {
  /// The size of the file at `path` (0 when there is none).
  static func fileSize(_ path: String) -> Int64 {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
  }

  /// Processes (not zombies) that belong to `home`: an agent's (`MULTIAGENT_AGENT_ID` with this
  /// `MULTIAGENT_HOME` in their environment) or a supervisor of this home (its command line).
  static func processes(ofHome home: String) -> [String] {
    let homeVariable = Array("MULTIAGENT_HOME=\(home)".utf8)
    let agentPrefix = Array("MULTIAGENT_AGENT_ID=".utf8)
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap(Int32.init).compactMap { pid in
      guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")"), stat[stat.index(close, offsetBy: 2)] != "Z"
      else { return nil }
      let environment = (FileManager.default.contents(atPath: "/proc/\(pid)/environ") ?? Data()).split(
        separator: 0)
      let command = (FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data()).split(
        separator: 0
      )
      .map { String(decoding: $0, as: UTF8.self) }
      let agent =
        environment.contains { Array($0) == homeVariable }
        && environment.contains { Array($0).starts(with: agentPrefix) }
      let supervisor = command.contains("__supervise") && command.contains { $0.contains(home) }
      return agent || supervisor ? "pid \(pid): \(command.joined(separator: " ").prefix(200))" : nil
    }
  }
}
