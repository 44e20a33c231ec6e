import Foundation
import JSONKit
import MultiAgent

/// `multiagent hosts sync NAME`: looks after the accounts leased to a host now.
struct HostsSyncCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    name: "sync",
    abstract: "Lend accounts to a host's waiting agents now and take back those it no longer uses.",
    discussion: """
      What any look at the host's agents (list, show, wait) also does: an agent waiting for an
      account there gets the next free one of this machine, and an account the host no longer uses
      (leased at least 20 seconds ago) comes back with its credential file. Prints the accounts the
      host holds afterwards (--json: {"host", "leases": [{"account_id", "provider", "label",
      "kind", "leased_at"}]}).
      """,
    options: [HostOutput.timeout],
    arguments: [HostOutput.name]
  )

  let name: String
  let timeout: Duration

  init(arguments: ParsedArguments) throws {
    name = arguments.argument(HostOutput.name) ?? ""
    timeout = HostOutput.timeout(try arguments.value(HostOutput.timeout))
  }

  func run(context: CommandContext) async throws -> ExitCode {
    let hosts = try HostOutput.hosts(context)
    let host = try HostOutput.host(name, in: hosts)
    let leases = try await hosts.syncAccounts(on: host, timeout: timeout)
    let accounts = try AccountOutput.accounts(context)
    let held = leases.map { lease in
      (lease, (try? accounts.account(reference: lease.accountID)) ?? nil)
    }
    if context.json {
      try context.console.writeJSON(SyncJSON(host: host.name, held: held))
      return .success
    }
    guard !held.isEmpty else {
      context.console.write("host \(host.name) holds no account leased from here\n")
      return .success
    }
    var table = TextTable(["ACCOUNT", "PROVIDER", "LABEL", "KIND", "LEASED"])
    for (lease, account) in held {
      table.append([
        lease.accountID, account?.provider ?? "-", account?.label ?? "-", lease.kind.rawValue,
        AccountOutput.localTime(lease.leasedAt),
      ])
    }
    context.console.write(table.rendered())
    return .success
  }
}

/// `hosts sync --json`: the host and the accounts it holds, no secrets.
private struct SyncJSON: Encodable {
  var host: String
  var held: [(AccountLease, Account?)]

  private enum CodingKeys: String, CodingKey { case host, leases }
  private enum LeaseKeys: String, CodingKey {
    case accountID = "account_id", provider, label, kind, leasedAt = "leased_at"
  }

  func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(host, forKey: .host)
    var list = c.nestedUnkeyedContainer(forKey: .leases)
    for (lease, account) in held {
      var item = list.nestedContainer(keyedBy: LeaseKeys.self)
      try item.encode(lease.accountID, forKey: .accountID)
      try item.encode(account?.provider, forKey: .provider)
      try item.encode(account?.label, forKey: .label)
      try item.encode(lease.kind.rawValue, forKey: .kind)
      try item.encodeTime(lease.leasedAt.timeIntervalSince1970, forKey: .leasedAt)
    }
  }
}
