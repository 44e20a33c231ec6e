import Credentials
import Foundation
import JSONKit
import ProcessKit
import ProviderKit
import StateStore

extension AgentManager {
  /// Checks providers, accounts, the state home, agents and worktrees (`multiagent doctor`).
  ///
  /// - Parameters:
  ///   - installations: where each provider's CLI is, and its version (``ProviderInspector``).
  ///   - now: the time to judge expiries and resets by.
  public func healthReport(installations: [ProviderInstallation], now: Date = Date()) -> HealthReport {
    let accountList = (try? Accounts(home: home).list()) ?? []
    let records = (try? store.list(.all)) ?? []
    var findings: [HealthFinding] = []
    findings += providerFindings(installations, accounts: accountList, records: records)
    findings += accountFindings(accountList, now: now)
    findings += homeFindings()
    findings += agentFindings(records)
    findings += worktreeFindings(records)
    return HealthReport(findings: findings)
  }

  private func providerFindings(
    _ installations: [ProviderInstallation], accounts: [Account], records: [AgentRecord]
  ) -> [HealthFinding] {
    let userDefined = Self.userProviderNames(home: home)
    return installations.map { installation in
      let name = installation.name
      guard let path = installation.path else {
        let users = accounts.filter { $0.provider == name }.count
        let active = records.filter { $0.provider == name && !$0.status.isTerminal }.count
        var reasons: [String] = []
        if users > 0 { reasons.append(users == 1 ? "1 account uses it" : "\(users) accounts use it") }
        if active > 0 { reasons.append(active == 1 ? "1 agent runs on it" : "\(active) agents run on it") }
        if userDefined.contains(name) { reasons.append("your providers.json defines it") }
        let binary = (try? registry.provider(named: name).definition.binary) ?? name
        guard !reasons.isEmpty else {
          return HealthFinding(area: "provider", subject: name, severity: .info, message: "not installed")
        }
        return HealthFinding(
          area: "provider", subject: name, severity: .problem,
          message: "its CLI `\(binary)` is not installed, but " + reasons.joined(separator: " and "),
          fix: "install `\(binary)` on PATH (see `multiagent providers show \(name)`)")
      }
      switch installation.version {
      case .failed(let message)?:
        return HealthFinding(
          area: "provider", subject: name, severity: .warning,
          message: "\(path) is installed but its version command failed: \(message)",
          fix: "run it by hand to see why; `multiagent providers check \(name)`")
      case .timedOut(let after)?:
        return HealthFinding(
          area: "provider", subject: name, severity: .warning,
          message: "\(path) is installed but its version command did not answer in \(after)",
          fix: "run it by hand to see why; `multiagent providers check \(name) --timeout 30`")
      case .answered(let version)?:
        return HealthFinding(area: "provider", subject: name, severity: .ok, message: "\(path) (\(version))")
      case nil:
        return HealthFinding(area: "provider", subject: name, severity: .ok, message: path)
      }
    }
  }

  private func accountFindings(_ accounts: [Account], now: Date) -> [HealthFinding] {
    accounts.flatMap { account -> [HealthFinding] in
      let subject = "\(account.provider)/\(account.label)"
      var found: [HealthFinding] = []
      if let provider = try? registry.provider(named: account.provider).definition {
        switch CredentialHealth.check(account, provider: provider, now: now) {
        case .missing(let path):
          found.append(
            HealthFinding(
              area: "account", subject: subject, severity: .problem, message: "no credential file at \(path)",
              fix:
                "add it again: `multiagent accounts add \(account.provider) --label … --credentials-file FILE`"
            ))
        case .unreadable(let path, let reason):
          found.append(
            HealthFinding(
              area: "account", subject: subject, severity: .problem, message: "\(path) is \(reason)",
              fix: "log in again and re-add the account's credential file"))
        case .expired(let path, let at, let refreshable):
          found.append(
            refreshable
              ? HealthFinding(
                area: "account", subject: subject, severity: .warning,
                message:
                  "its access token expired at \(at.ISO8601Format()); it is refreshed before the next run")
              : HealthFinding(
                area: "account", subject: subject, severity: .problem,
                message:
                  "its credentials in \(path) expired at \(at.ISO8601Format()) and hold no refresh token",
                fix: "log in again with the CLI and re-add: `multiagent accounts add \(account.provider) "
                  + "--label \(account.label)-new --credentials-file FILE`, then remove this one"))
        case .valid, .notAFile:
          break
        }
      }
      switch account.status {
      case .disabled:
        found.append(HealthFinding(area: "account", subject: subject, severity: .info, message: "disabled"))
      case .exhausted where !account.isUsable(at: now):
        found.append(
          HealthFinding(
            area: "account", subject: subject, severity: .warning,
            message: "exhausted until \(account.exhaustedUntil?.ISO8601Format() ?? "its reset")",
            fix: "`multiagent accounts reset \(account.label)` if it is usable again"))
      default:
        break
      }
      if let error = account.lastError, account.recentErrorCount > 0 {
        found.append(
          HealthFinding(
            area: "account", subject: subject, severity: .warning,
            message: "\(account.recentErrorCount) recent error(s), the last: \(error)"))
      }
      return found.isEmpty
        ? [HealthFinding(area: "account", subject: subject, severity: .ok, message: account.status.rawValue)]
        : found
    }
  }

  /// The names a user's `providers.json` defines or changes.
  static func userProviderNames(home: StateHome) -> Set<String> {
    guard let data = FileSystem.contents(atPath: home.path + "/providers.json"),
      let root = try? JSONParser.parse(Array(data)), let providers = root["providers"]?.objectValue
    else { return [] }
    return Set(providers.keys)
  }
}
