import Credentials
import Foundation
import MultiAgent

/// `multiagent accounts enable REF`: turn an account back on.
struct AccountsEnableCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    name: "enable",
    abstract: "Turn an account back on.",
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
    let store = try AccountOutput.store(context)
    let account = try AccountOutput.account(reference, provider: providerName, in: store)
    let changed = try AccountOutput.mappingErrors { try store.setEnabled(id: account.id, true) }
    try AccountOutput.report(changed, verb: "enabled", context: context)
    return .success
  }
}
