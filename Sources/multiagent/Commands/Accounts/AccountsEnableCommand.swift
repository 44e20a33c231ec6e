import MultiAgent

/// `multiagent accounts enable REF`: turn an account back on.
struct AccountsEnableCommand: AccountChangeCommand {
  static let configuration = CommandConfiguration(
    name: "enable",
    abstract: "Turn an account back on.",
    options: [AccountOutput.provider],
    arguments: [AccountOutput.reference]
  )
  static let verb = "enabled"

  let reference: String
  let providerName: String?

  static func change(_ account: Account, in accounts: Accounts) throws -> Account {
    try accounts.setEnabled(account, true)
  }
}
