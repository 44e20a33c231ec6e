import Foundation
import JSONKit
import MultiAgent
import ProviderKit

/// `multiagent doctor`: what is installed, which accounts are fine, whether the state home is
/// healthy — and what to do about each problem.
struct DoctorCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    name: "doctor",
    abstract: "Check the provider CLIs, the accounts and the state home; say what to fix.",
    discussion: """
      For each provider: whether its CLI is installed, and its version (each installed CLI is run
      with a time limit). For each account: its credential file (present, not expired), whether it
      is exhausted, disabled or failing. The state home: private permissions, agents whose
      supervisor is gone, worktrees no agent owns. Changes nothing. Exits 1 when something needs
      action. With --json: {"needs_action": …, "findings": [{"area", "subject", "severity",
      "message", "fix"}]}, severity one of ok, info, warning, problem.
      """,
    options: [ProvidersCommand.timeout]
  )

  let timeout: Duration

  init(arguments: ParsedArguments) throws {
    timeout =
      try arguments.value(ProvidersCommand.timeout)?.secondsDuration ?? ProviderInspector.defaultTimeout
  }

  func run(context: CommandContext) async throws -> ExitCode {
    // Accounts are the user's alone: an agent may not look.
    try context.requireUserAuthority(for: "doctor")
    let registry = try context.providerRegistry()
    let installations = await context.providerInspector.inspect(
      registry.providers.map(\.definition), versionTimeout: timeout)
    // What is there, before any command's repair (reconcile) changes it.
    let manager = try context.agentManager(reconciling: false)
    let report = manager.healthReport(installations: installations)
    if context.json {
      AgentOutput.writeJSON(Self.json(report), to: context.console)
    } else {
      context.console.write(Self.text(report))
    }
    return report.needsAction ? .failure : .success
  }

  static func json(_ report: HealthReport) -> JSONValue {
    let findings: [JSONValue] = report.findings.map { finding in
      .object(
        JSONObject(
          keys: ["area", "subject", "severity", "message", "fix"],
          values: [
            .string(finding.area), .string(finding.subject), .string(finding.severity.rawValue),
            .string(finding.message), finding.fix.map { .string($0) } ?? .null,
          ]))
    }
    return .object(
      JSONObject(keys: ["needs_action", "findings"], values: [.bool(report.needsAction), .array(findings)]))
  }

  static func text(_ report: HealthReport) -> String {
    var text = ""
    var area = ""
    for finding in report.findings {
      if finding.area != area {
        area = finding.area
        let titles = [
          "provider": "providers", "account": "accounts", "home": "state home", "agent": "agents",
        ]
        text += (titles[area] ?? area + "s") + "\n"
      }
      text +=
        "  " + finding.severity.rawValue.padding(to: 9) + finding.subject + ": " + finding.message + "\n"
      if let fix = finding.fix { text += "           fix: " + fix + "\n" }
    }
    let problems = report.findings.filter { $0.severity == .problem }.count
    let warnings = report.findings.filter { $0.severity == .warning }.count
    text += problems == 0 && warnings == 0 ? "all good\n" : "\(problems) problem(s), \(warnings) warning(s)\n"
    return text
  }
}
