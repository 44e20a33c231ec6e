import Credentials
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

  static func change(_ account: Account, in store: AccountStore) throws -> Account {
    try store.setEnabled(id: account.id, true)
  }
}
