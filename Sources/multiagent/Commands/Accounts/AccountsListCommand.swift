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
      Columns: ID PROVIDER LABEL KIND STATUS LAST-USED ERRORS. STATUS is available, disabled, or
      exhausted until <local time> (in <time left>). With --json, an array of accounts (no secrets).
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
      let readings = try AccountOutput.mappingErrors { try accounts.map { try store.quota(of: $0) } }
      try context.console.writeJSON(zip(accounts, readings).map { AccountJSON($0, now: now, quota: $1) })
      return .success
    }
    guard !accounts.isEmpty else {
      context.console.writeError(
        "no accounts\(providerName.map { " for \($0)" } ?? ""); add one with "
          + "`multiagent accounts add PROVIDER --label L …`\n")
      return .success
    }
    var table = TextTable(["ID", "PROVIDER", "LABEL", "KIND", "STATUS", "LAST USED", "ERRORS", "USAGE"])
    let style = TextStyle(environment: context.environment)
    for account in accounts {
      let quota = (try? store.quota(of: account)) ?? []
      table.append([
        account.id, account.provider, account.label, account.kind.rawValue,
        AccountOutput.styledStatus(of: account, now: now, style: style),
        AccountOutput.lastUsed(account, now: now),
        String(account.recentErrorCount), AccountOutput.usage(quota),
      ])
    }
    context.console.write(table.rendered())
    return .success
  }
}
