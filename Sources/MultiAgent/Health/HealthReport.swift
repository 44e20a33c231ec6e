import Credentials
import Foundation
import ProcessKit
import ProviderKit

/// One thing `multiagent doctor` checked, and what to do about it.
public struct HealthFinding: Sendable, Hashable {
  /// How much it matters.
  public enum Severity: String, Sendable, Hashable {
    /// Fine.
    case ok
    /// Worth knowing (a CLI nobody uses is not installed, an account is disabled).
    case info
    /// Will cause trouble if left (an account exhausted, a credential that must be refreshed).
    case warning
    /// Needs action now (`doctor` exits 1).
    case problem
  }

  /// What was checked: `provider`, `account`, `home`, `agent` or `worktree`.
  public var area: String
  /// Which one (a provider name, an account label, a path, an agent name).
  public var subject: String
  /// How much it matters.
  public var severity: Severity
  /// What was found.
  public var message: String
  /// What to do about it, when something is to be done.
  public var fix: String?

  /// A finding.
  public init(area: String, subject: String, severity: Severity, message: String, fix: String? = nil) {
    self.area = area
    self.subject = subject
    self.severity = severity
    self.message = message
    self.fix = fix
  }
}

/// Everything `multiagent doctor` found.
public struct HealthReport: Sendable, Hashable {
  /// The findings, by area (providers, accounts, home, agents, worktrees).
  public var findings: [HealthFinding]

  /// Whether any finding needs action.
  public var needsAction: Bool { findings.contains { $0.severity == .problem } }
}
