import Credentials
import Foundation
import MultiAgent

/// `multiagent accounts disable REF`: turn an account off.
struct AccountsDisableCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    name: "disable",
    abstract: "Turn an account off: no agent starts on it until it is enabled again.",
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
    let changed = try AccountOutput.mappingErrors { try store.setEnabled(id: account.id, false) }
    try AccountOutput.report(changed, verb: "disabled", context: context)
    return .success
  }
}
