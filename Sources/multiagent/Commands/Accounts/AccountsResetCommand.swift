import Credentials
import Foundation
import MultiAgent

/// `multiagent accounts reset REF`: clears an account's exhaustion and error count.
struct AccountsResetCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    name: "reset",
    abstract: "Make an exhausted account available now and clear its errors (a disabled one stays off).",
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
    let changed = try AccountOutput.mappingErrors { try store.reset(id: account.id) }
    try AccountOutput.report(changed, verb: "reset", context: context)
    return .success
  }
}
