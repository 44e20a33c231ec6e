import MultiAgent

/// `multiagent accounts reset REF`: clears an account's exhaustion and error count.
struct AccountsResetCommand: AccountChangeCommand {
  static let configuration = CommandConfiguration(
    name: "reset",
    abstract: "Make an exhausted account available now and clear its errors (a disabled one stays off).",
    options: [AccountOutput.provider],
    arguments: [AccountOutput.reference]
  )
  static let verb = "reset"

  let reference: String
  let providerName: String?

  static func change(_ account: Account, in accounts: Accounts) throws -> Account {
    try accounts.reset(account)
  }
}
