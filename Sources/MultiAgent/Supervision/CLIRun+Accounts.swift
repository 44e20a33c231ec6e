import Credentials
import Foundation
import JSONKit
import ProviderKit
import Providers

/// What a run records about its account: which one served it, and its usage readings.
extension CLIRun {
  /// A CLI that keeps its usage readings in its session file (Codex) is read after each run; the
  /// reading is kept for the run's account.
  func readSessionQuota(_ cli: Running) {
    guard let accountID = cli.account, let account = failover.accounts.account(id: accountID),
      let session = try? store.agent(id: agentID)?.sessionID
    else { return }
    let files = SessionPorter.transcripts(
      sessionID: session, provider: provider.definition, in: account.configDirectory)
    for file in files.reversed() {
      if let reading = SessionQuotaReader.reading(dialect: provider.definition.dialect, sessionFile: file) {
        failover.accounts.recordQuota(accountID, reading)
        return
      }
    }
  }

  /// The `account_selected` event of this run: which account serves it (none means the user's own
  /// environment), recorded with the launch; `show` lists an agent's runs from these.
  func accountSelected(_ record: AgentRecord, plan: RunPlan, command: CommandSpec) -> EventDraft {
    let account = record.account.flatMap { failover.accounts.account(id: $0) }
    var data = JSONObject(
      keys: ["provider", "kind"], values: [.string(provider.name), .string(plan.kind.rawValue)])
    data["account"] = account.map { .string($0.id) } ?? .null
    data["label"] = account.map { .string($0.label) } ?? .null
    data["session_id"] =
      (command.sessionID ?? plan.sessionID ?? record.sessionID).map { .string($0) } ?? .null
    let served = account.map { "account \($0.label)" } ?? "no account (the user's own environment)"
    return EventDraft(
      type: .accountSelected, message: "\(plan.kind.rawValue) run on \(provider.name), \(served)",
      data: .object(data))
  }
}
