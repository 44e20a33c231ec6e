import Foundation
import MultiAgent

/// `multiagent accounts show REF`: one account, its recent history and the agents on it.
struct AccountsShowCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    name: "show",
    abstract: "Show an account: status, config dir, errors and recent history (never its secret).",
    options: [AccountOutput.provider],
    arguments: [AccountOutput.reference]
  )

  let reference: String
  let providerName: String?

  init(arguments: ParsedArguments) throws {
    reference = arguments.argument(AccountOutput.reference) ?? ""
    providerName = try arguments.value(AccountOutput.provider)
  }

  func run(context: CommandContext) async throws -> ExitCode {
    let accounts = try AccountOutput.accounts(context)
    let account = try AccountOutput.account(reference, provider: providerName, in: accounts)
    let (events, active, quota, leases) = try AccountOutput.mappingErrors {
      (
        try accounts.events(of: account, limit: 20), try accounts.activeAgentCount(using: account),
        try accounts.quota(of: account), try accounts.leases(of: account)
      )
    }
    let now = Date()
    if context.json {
      try context.console.writeJSON(
        AccountJSON(
          account, now: now, quota: quota, leases: leases, activeAgents: active, events: events))
      return .success
    }
    var text = ""
    var rows: [(String, String)] = [
      ("id", account.id), ("provider", account.provider), ("label", account.label),
      ("kind", account.kind.rawValue), ("status", AccountOutput.status(of: account, now: now)),
      ("last used", AccountOutput.lastUsed(account, now: now)),
      ("errors", String(account.recentErrorCount) + (account.lastError.map { " (last: \($0))" } ?? "")),
      ("config dir", account.configDirectory), ("created", AccountOutput.localTime(account.createdAt)),
      ("active agents", String(active)),
    ]
    for lease in leases {
      rows.append(
        (
          "leased to",
          "host \(lease.host) (\(lease.kind.rawValue), since \(AccountOutput.localTime(lease.leasedAt)))"
        ))
    }
    for (key, value) in rows { text += (key + ":").padding(to: 15) + value + "\n" }
    for reading in quota {
      text += "usage:".padding(to: 15) + EventPrinter.quotaText([reading.window])
      text += " (read \(AccountOutput.localTime(reading.readAt)))\n"
    }
    if !events.isEmpty {
      text += "history:\n"
      for event in events {
        text += "  \(AccountOutput.localTime(event.time))  \(event.type)"
        text += (event.message.map { "  \($0)" } ?? "") + "\n"
      }
    }
    context.console.write(text)
    return .success
  }
}
