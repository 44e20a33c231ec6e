import Foundation
import MultiAgent

/// What one frame of `multiagent watch` shows, read from the state home.
struct WatchSnapshot {
  /// One account row.
  struct AccountRow {
    var account: Account
    var quota: [AccountQuota]
  }

  var agents: [AgentRecord]
  var queuePositions: [String: Int]
  /// The latest line of activity of each agent that has one, by id.
  var activity: [String: String]
  /// `nil` when accounts cannot be shown (inside an agent, they are the user's alone).
  var accounts: [AccountRow]?
  var now: Date
}

/// Reads snapshots, following the output logs of active agents from frame to frame so that each
/// frame parses only what was appended since the last.
final class WatchReader {
  private let manager: AgentManager
  private let accounts: Accounts?
  private let includeDismissed: Bool
  private var readers: [String: AgentLogReader] = [:]
  private var lastLines: [String: String] = [:]

  init(manager: AgentManager, accounts: Accounts?, includeDismissed: Bool) {
    self.manager = manager
    self.accounts = accounts
    self.includeDismissed = includeDismissed
  }

  /// The home as it is now.
  func snapshot() throws -> WatchSnapshot {
    let agents = try manager.list(AgentStore.Filter(includeDismissed: includeDismissed))
    let positions = agents.contains { $0.status == .queued } ? try manager.queuePositions() : [:]
    var activity: [String: String] = [:]
    for record in agents {
      if let line = self.activity(of: record) { activity[record.id] = line }
    }
    let rows = try accounts.map { accounts in
      try AccountOutput.mappingErrors {
        try accounts.list().map { WatchSnapshot.AccountRow(account: $0, quota: try accounts.quota(of: $0)) }
      }
    }
    return WatchSnapshot(
      agents: agents, queuePositions: positions, activity: activity, accounts: rows, now: Date())
  }

  /// The line that says best what the agent is doing or did.
  private func activity(of record: AgentRecord) -> String? {
    switch record.status {
    case .waitingForInput:
      return record.pendingQuestions.first.map { "asks: \($0.question)" }
    case .completed:
      return record.result.map { "result: \($0)" }
    case .failed, .crashed, .stopped:
      return record.error
    case .queued:
      return nil
    case .starting, .running, .waitingForAccount:
      var reader = readers[record.id] ?? manager.logReader(for: record)
      for event in reader.events() {
        guard let text = EventPrinter.text(of: event) else { continue }
        let lines = text.split(separator: "\n").map(String.init)
        if let last = lines.last(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) {
          lastLines[record.id] = last
        }
      }
      readers[record.id] = reader
      if record.status == .waitingForAccount, let error = record.error { return error }
      return lastLines[record.id]
    }
  }
}

/// Renders a snapshot as lines of text: a summary line, the agents grouped by status (those that
/// need the user first), their pending questions, and the accounts with their usage.
enum WatchFrame {
  /// The order of the status groups: what needs attention first, finished agents last.
  static let statusOrder: [AgentStatus] = [
    .waitingForInput, .waitingForAccount, .running, .starting, .queued, .failed, .crashed, .stopped,
    .completed,
  ]

  /// The frame's lines (without newlines).
  static func lines(
    of snapshot: WatchSnapshot, style: TextStyle, home: String, interactive: Bool
  ) -> [String] {
    var lines = [summary(of: snapshot, style: style, home: home, interactive: interactive), ""]
    lines += agentLines(of: snapshot, style: style)
    let asking = snapshot.agents.filter { $0.status == .waitingForInput && !$0.pendingQuestions.isEmpty }
    if !asking.isEmpty {
      lines += ["", style.heading("QUESTIONS")]
      for record in asking {
        for question in record.pendingQuestions {
          var line = "\(record.name)  \(question.id): \(oneLine(question.question))"
          if !question.options.isEmpty { line += "  [" + question.options.joined(separator: " | ") + "]" }
          lines.append(line)
        }
      }
    }
    if let accounts = snapshot.accounts, !accounts.isEmpty {
      lines += ["", style.heading("ACCOUNTS")]
      var table = TextTable(["PROVIDER", "LABEL", "STATUS", "LAST USED", "USAGE"])
      for row in accounts {
        table.append([
          row.account.provider, row.account.label,
          AccountOutput.styledStatus(of: row.account, now: snapshot.now, style: style),
          AccountOutput.lastUsed(row.account, now: snapshot.now), AccountOutput.usage(row.quota),
        ])
      }
      lines += table.rendered().split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(
        String.init)
    }
    return lines
  }

  /// `multiagent watch  ~/.multiagent  12:04:05  3 agents: 1 running, 2 completed  (q quits)`.
  private static func summary(
    of snapshot: WatchSnapshot, style: TextStyle, home: String, interactive: Bool
  ) -> String {
    var counts: [String] = []
    for status in statusOrder {
      let count = snapshot.agents.filter { $0.status == status }.count
      if count > 0 { counts.append(style.status(status, label: "\(count) \(status.rawValue)")) }
    }
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.dateFormat = "HH:mm:ss"
    let total = snapshot.agents.count == 1 ? "1 agent" : "\(snapshot.agents.count) agents"
    var line = style.heading("multiagent watch") + "  \(home)  \(formatter.string(from: snapshot.now))  "
    line += counts.isEmpty ? "no agents" : "\(total): " + counts.joined(separator: ", ")
    if interactive { line += "  " + style.paint("(q quits)", .dim) }
    return line
  }

  /// The agents table, grouped by status.
  private static func agentLines(of snapshot: WatchSnapshot, style: TextStyle) -> [String] {
    guard !snapshot.agents.isEmpty else { return ["no agents; start one with `multiagent spawn`"] }
    var table = TextTable(["STATUS", "NAME", "PROVIDER", "ACCOUNT", "AGE", "LAST ACTIVITY"])
    for status in statusOrder {
      for record in snapshot.agents where record.status == status {
        let label = snapshot.queuePositions[record.id].map { "queued (#\($0))" }
        table.append([
          style.status(record.status, label: label), record.name, record.provider, record.account ?? "-",
          AgentOutput.age(since: record.createdAt, now: snapshot.now),
          snapshot.activity[record.id].map(oneLine) ?? "-",
        ])
      }
    }
    return table.rendered().split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(
      String.init)
  }

  /// Text on one line, clipped for a table cell.
  static func oneLine(_ text: String) -> String {
    let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
    return flat.count > 160 ? String(flat.prefix(159)) + "…" : flat
  }
}
