import MultiAgent

/// `multiagent accounts disable REF`: turn an account off.
struct AccountsDisableCommand: AccountChangeCommand {
  static let configuration = CommandConfiguration(
    name: "disable",
    abstract: "Turn an account off: no agent starts on it until it is enabled again.",
    options: [AccountOutput.provider],
    arguments: [AccountOutput.reference]
  )
  static let verb = "disabled"

  let reference: String
  let providerName: String?

  static func change(_ account: Account, in accounts: Accounts) throws -> Account {
    try accounts.setEnabled(account, false)
  }
}
