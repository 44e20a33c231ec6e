import Foundation
import MultiAgent

/// `multiagent accounts remove REF`: forgets an account and deletes its config dir.
struct AccountsRemoveCommand: ParsableCommand {
  static let force = Flag(
    "force", help: "Remove it even while agents that are not done run on it, or a host holds it.")

  static let configuration = CommandConfiguration(
    name: "remove",
    abstract: "Remove an account, its secret and its config dir.",
    discussion: """
      Refused while an agent that is not completed, failed, stopped or crashed uses it, or while it
      is leased to a host (it comes back when the host stops using it), unless --force; a forced
      removal leaves the host's copy where it is.
      """,
    options: [AccountOutput.provider, force],
    arguments: [AccountOutput.reference]
  )

  let reference: String
  let providerName: String?
  let forced: Bool

  init(arguments: ParsedArguments) throws {
    reference = arguments.argument(AccountOutput.reference) ?? ""
    providerName = try arguments.value(AccountOutput.provider)
    forced = arguments.isSet(Self.force)
  }

  func run(context: CommandContext) async throws -> ExitCode {
    let accounts = try AccountOutput.accounts(context)
    let account = try AccountOutput.account(reference, provider: providerName, in: accounts)
    let active = try AccountOutput.mappingErrors { try accounts.activeAgentCount(using: account) }
    if active > 0, !forced {
      throw CLIError.failure(
        "account_in_use",
        "\(AccountOutput.name(of: account)) is used by \(active) agent\(active == 1 ? "" : "s") that "
          + "\(active == 1 ? "is" : "are") not done",
        hint: "stop or wait for them (see 'multiagent list'), or pass --force")
    }
    let leases = try AccountOutput.mappingErrors { try accounts.leases(of: account) }
    if !leases.isEmpty, !forced {
      throw CLIError.failure(
        "account_leased",
        "\(AccountOutput.name(of: account)) is leased to host "
          + leases.map(\.host).joined(separator: ", "),
        hint: "it comes back when the host stops using it (`multiagent list` looks); or pass --force")
    }
    try AccountOutput.mappingErrors { try accounts.remove(account) }
    try AccountOutput.report(account, verb: "removed", context: context)
    return .success
  }
}
