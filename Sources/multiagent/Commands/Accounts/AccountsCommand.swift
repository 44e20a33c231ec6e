import Foundation
import JSONKit
import MultiAgent

/// `multiagent accounts`: the subscriptions and API keys agents run on.
struct AccountsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    name: "accounts",
    abstract: "Add, list and manage the provider accounts (subscriptions, API keys) agents run on.",
    discussion: """
      Each spawn picks the least recently used usable account of its provider (or the one given with
      --account); an account that hits its usage limit sits out until its reset time and the agent
      moves to another. A provider without accounts runs with your own environment.

      Secrets are stored in <home>/state.db (mode 0600) and handed to the CLI through its
      environment only; they never appear in output, logs or command lines.

      Agents on hosts (spawn --host) run on these accounts too: each is leased to the host while
      used there (a refreshable login to one host at a time) and comes back afterwards.
      """,
    subcommands: [
      AccountsAddCommand.self, AccountsListCommand.self, AccountsShowCommand.self, AccountsRemoveCommand.self,
      AccountsEnableCommand.self, AccountsDisableCommand.self, AccountsResetCommand.self,
    ],
    defaultSubcommand: AccountsListCommand.self
  )

  init(arguments: ParsedArguments) {}
}

/// Shared arguments, lookups and output of the `accounts` commands.
enum AccountOutput {
  /// `<account>`: an id or a label.
  static let reference = Argument(name: "account", help: "The account's id or label.")
  /// `--provider NAME`: which provider's label a reference names.
  static let provider = Option<String>(
    "provider", valueName: "name", help: "The provider whose account the label names (when labels repeat).")

  /// Runs `body`, reporting store and credential errors as CLI errors.
  static func mappingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
      return try body()
    } catch let error as StoreError {
      switch error.code {
      case .nameTaken:
        throw CLIError.failure("label_taken", error.message, hint: "choose another --label")
      case .invalidValue:
        throw CLIError.usage("invalid_value", error.message)
      case .notFound:
        throw CLIError.failure("not_found", error.message)
      default:
        throw CLIError.failure("state_error", error.description)
      }
    } catch let error as CredentialError {
      throw CLIError.failure(error.code.rawValue, error.message)
    }
  }

  /// The accounts of the state home (created if needed).
  /// The latest usage readings for a table cell: `five_hour 95%, seven_day 40%`, or `-`.
  static func usage(_ quota: [AccountQuota]) -> String {
    quota.isEmpty
      ? "-"
      : quota.map { "\($0.window.name) \(Int(($0.window.utilization * 100).rounded()))%" }.joined(
        separator: ", ")
  }

  static func accounts(_ context: CommandContext) throws -> Accounts {
    try context.requireUserAuthority(for: "accounts")
    try context.home.create()
    return try mappingErrors { try Accounts(home: context.home) }
  }

  /// The account `reference` names (an id, or a label within `provider` when given).
  static func account(_ reference: String, provider: String?, in accounts: Accounts) throws -> Account {
    let found = try mappingErrors { try accounts.account(reference: reference, provider: provider) }
    guard let found else {
      let scope = provider.map { " of \($0)" } ?? ""
      throw CLIError.failure(
        "not_found", "no account\(scope) with id or label \"\(reference)\"",
        hint: "see 'multiagent accounts list'")
    }
    return found
  }

  // MARK: Text

  /// `available`, `exhausted until 2026-01-02 15:04 (in 2h13m)` or `disabled`.
  static func status(of account: Account, now: Date) -> String {
    switch account.status {
    case .available: return "available"
    case .disabled: return "disabled"
    case .exhausted:
      guard let until = account.exhaustedUntil else { return "exhausted" }
      if until <= now { return "available" }
      return "exhausted until \(localTime(until)) (in \(span(until.timeIntervalSince(now))))"
    }
  }

  /// ``status(of:now:)`` in green (available), yellow (exhausted) or dim (disabled) on a terminal.
  static func styledStatus(of account: Account, now: Date, style: TextStyle) -> String {
    let colour: TextStyle.Colour =
      switch effectiveStatus(of: account, now: now) {
      case .available: .green
      case .exhausted: .yellow
      case .disabled: .dim
      }
    return style.paint(status(of: account, now: now), colour)
  }

  /// `available`, `exhausted` or `disabled`, counting an exhausted account whose reset passed as
  /// available.
  static func effectiveStatus(of account: Account, now: Date) -> Account.Status {
    account.status == .exhausted && account.isUsable(at: now) ? .available : account.status
  }

  /// `2026-01-02 15:04` in the local time zone.
  static func localTime(_ date: Date) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = .current
    formatter.dateFormat = "yyyy-MM-dd HH:mm zzz"
    return formatter.string(from: date)
  }

  /// `2h13m`, `5m`, `40s`.
  static func span(_ interval: TimeInterval) -> String {
    let seconds = max(0, Int(interval.rounded(.up)))
    if seconds >= 3600 { return "\(seconds / 3600)h" + String(format: "%02dm", seconds % 3600 / 60) }
    if seconds >= 60 { return "\(seconds / 60)m" }
    return "\(seconds)s"
  }

  /// `5m ago`, or `never`.
  static func lastUsed(_ account: Account, now: Date) -> String {
    account.lastUsedAt.map { AgentOutput.age(since: $0, now: now) + " ago" } ?? "never"
  }

  /// `h1 (exclusive)`, `h1, h2 (shared)`, or `-`: the hosts an account is lent to.
  static func hosts(_ leases: [AccountLease]) -> String {
    guard let kind = leases.first?.kind else { return "-" }
    return leases.map(\.host).joined(separator: ", ") + " (\(kind.rawValue))"
  }

  /// `claude account "work" (id 1a2b3c4d)`.
  static func name(of account: Account) -> String {
    "\(account.provider) account \"\(account.label)\" (id \(account.id))"
  }

  // MARK: JSON

  /// Writes `--json` output of a command that changed one account.
  static func report(_ account: Account, verb: String, context: CommandContext) throws {
    if context.json {
      let store = try? accounts(context)
      let quota = (try? store?.quota(of: account)) ?? []
      let leases = (try? store?.leases(of: account)) ?? []
      try context.console.writeJSON(AccountJSON(account, now: Date(), quota: quota, leases: leases))
    } else {
      context.console.write("\(verb) \(name(of: account))\n")
    }
  }
}

/// An account as `--json` shows it: snake_case keys, times as ISO-8601 text, no secret.
struct AccountJSON: Encodable {
  var account: Account
  var now: Date
  var activeAgents: Int?
  var events: [AccountEvent]?
  var quota: [AccountQuota]
  var leases: [AccountLease]

  init(
    _ account: Account, now: Date, quota: [AccountQuota], leases: [AccountLease] = [],
    activeAgents: Int? = nil, events: [AccountEvent]? = nil
  ) {
    self.account = account
    self.now = now
    self.quota = quota
    self.leases = leases
    self.activeAgents = activeAgents
    self.events = events
  }

  private enum CodingKeys: String, CodingKey {
    case id, provider, label, kind, status, usable, exhaustedUntil = "exhausted_until"
    case lastUsedAt = "last_used_at", recentErrorCount = "recent_error_count", lastError = "last_error"
    case configDirectory = "config_directory", createdAt = "created_at", activeAgents = "active_agents"
    case events, quota, leases
  }

  private enum LeaseKeys: String, CodingKey { case host, kind, leasedAt = "leased_at" }

  private enum EventKeys: String, CodingKey { case id, time, type, message }
  private enum QuotaKeys: String, CodingKey {
    case window, utilization, resetsAt = "resets_at", status, windowMinutes = "window_minutes", readAt =
      "read_at"
  }

  func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(account.id, forKey: .id)
    try c.encode(account.provider, forKey: .provider)
    try c.encode(account.label, forKey: .label)
    try c.encode(account.kind.rawValue, forKey: .kind)
    try c.encode(AccountOutput.effectiveStatus(of: account, now: now).rawValue, forKey: .status)
    try c.encode(account.isUsable(at: now), forKey: .usable)
    try c.encodeTime(account.exhaustedUntil?.timeIntervalSince1970, forKey: .exhaustedUntil)
    try c.encodeTime(account.lastUsedAt?.timeIntervalSince1970, forKey: .lastUsedAt)
    try c.encode(account.recentErrorCount, forKey: .recentErrorCount)
    try c.encode(account.lastError, forKey: .lastError)
    try c.encode(account.configDirectory, forKey: .configDirectory)
    try c.encodeTime(account.createdAt.timeIntervalSince1970, forKey: .createdAt)
    var readings = c.nestedUnkeyedContainer(forKey: .quota)
    for reading in quota {
      var item = readings.nestedContainer(keyedBy: QuotaKeys.self)
      try item.encode(reading.window.name, forKey: .window)
      try item.encode(reading.window.utilization, forKey: .utilization)
      try item.encodeTime(reading.window.resetsAt?.timeIntervalSince1970, forKey: .resetsAt)
      try item.encode(reading.window.status, forKey: .status)
      try item.encode(reading.window.windowMinutes, forKey: .windowMinutes)
      try item.encodeTime(reading.readAt.timeIntervalSince1970, forKey: .readAt)
    }
    var lent = c.nestedUnkeyedContainer(forKey: .leases)
    for lease in leases {
      var item = lent.nestedContainer(keyedBy: LeaseKeys.self)
      try item.encode(lease.host, forKey: .host)
      try item.encode(lease.kind.rawValue, forKey: .kind)
      try item.encodeTime(lease.leasedAt.timeIntervalSince1970, forKey: .leasedAt)
    }
    if let activeAgents { try c.encode(activeAgents, forKey: .activeAgents) }
    if let events {
      var list = c.nestedUnkeyedContainer(forKey: .events)
      for event in events {
        var item = list.nestedContainer(keyedBy: EventKeys.self)
        try item.encode(event.id, forKey: .id)
        try item.encodeTime(event.time.timeIntervalSince1970, forKey: .time)
        try item.encode(event.type, forKey: .type)
        try item.encode(event.message, forKey: .message)
      }
    }
  }
}
