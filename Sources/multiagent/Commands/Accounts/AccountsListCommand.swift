import Foundation
import MultiAgent

/// `multiagent accounts list [PROVIDER]`: the accounts and whether each can be used now.
struct AccountsListCommand: ParsableCommand {
  static let providerArgument = Argument(
    name: "provider", help: "Only this provider's accounts.", arity: .optional)

  static let configuration = CommandConfiguration(
    name: "list",
    abstract: "List the accounts.",
    discussion: """
      Columns: ID PROVIDER LABEL KIND STATUS LAST-USED ERRORS USAGE HOSTS. STATUS is available,
      disabled, or exhausted until <local time> (in <time left>); HOSTS, the hosts the account is
      leased to (see `spawn --host`). With --json, an array of accounts (no secrets).
      """,
    arguments: [providerArgument]
  )

  let providerName: String?

  init(arguments: ParsedArguments) {
    providerName = arguments.argument(Self.providerArgument)
  }

  func run(context: CommandContext) async throws -> ExitCode {
    if let providerName { _ = try context.providerRegistry().requireProvider(providerName) }
    let store = try AccountOutput.accounts(context)
    let accounts = try AccountOutput.mappingErrors { try store.list(provider: providerName) }
    let now = Date()
    if context.json {
      let (readings, leases) = try AccountOutput.mappingErrors {
        (try accounts.map { try store.quota(of: $0) }, try accounts.map { try store.leases(of: $0) })
      }
      try context.console.writeJSON(
        accounts.indices.map { AccountJSON(accounts[$0], now: now, quota: readings[$0], leases: leases[$0]) })
      return .success
    }
    guard !accounts.isEmpty else {
      context.console.writeError(
        "no accounts\(providerName.map { " for \($0)" } ?? ""); add one with "
          + "`multiagent accounts add PROVIDER --label L …`\n")
      return .success
    }
    var table = TextTable([
      "ID", "PROVIDER", "LABEL", "KIND", "STATUS", "LAST USED", "ERRORS", "USAGE", "HOSTS",
    ])
    let style = TextStyle(environment: context.environment)
    for account in accounts {
      let quota = (try? store.quota(of: account)) ?? []
      table.append([
        account.id, account.provider, account.label, account.kind.rawValue,
        AccountOutput.styledStatus(of: account, now: now, style: style),
        AccountOutput.lastUsed(account, now: now),
        String(account.recentErrorCount), AccountOutput.usage(quota),
        AccountOutput.hosts((try? store.leases(of: account)) ?? []),
      ])
    }
    context.console.write(table.rendered())
    return .success
  }
}
