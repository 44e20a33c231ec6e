import Foundation
import MultiAgent

/// The account commands that name one account and change it (`enable`, `disable`, `reset`): each
/// gives its configuration, what it does to the account, and the past tense it reports.
protocol AccountChangeCommand: ParsableCommand {
  /// The word in the report (`enabled`, `disabled`, `reset`).
  static var verb: String { get }
  /// Makes the change; returns the account after it.
  static func change(_ account: Account, in accounts: Accounts) throws -> Account

  var reference: String { get }
  var providerName: String? { get }
  init(reference: String, providerName: String?)
}

extension AccountChangeCommand {
  init(arguments: ParsedArguments) throws {
    self.init(
      reference: arguments.argument(AccountOutput.reference) ?? "",
      providerName: try arguments.value(AccountOutput.provider))
  }

  func run(context: CommandContext) async throws -> ExitCode {
    let accounts = try AccountOutput.accounts(context)
    let account = try AccountOutput.account(reference, provider: providerName, in: accounts)
    let changed = try AccountOutput.mappingErrors { try Self.change(account, in: accounts) }
    try AccountOutput.report(changed, verb: Self.verb, context: context)
    return .success
  }
}
