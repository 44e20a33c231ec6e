import Foundation
import JSONKit
import ProcessKit
import ProviderKit

/// How an ``AgentManager`` supervises the agents it starts — the embedder's choice.
///
/// Either way the provider CLI runs in a session and process group of its own and keeps running if
/// the supervising process exits; the next manager to reconcile then adopts the CLI (or settles the
/// agent from its log), exactly as after a supervisor crash.
public enum Supervision: Sendable, Hashable {
  /// The supervision loop runs on a thread of the embedding process, with the manager's registry
  /// (providers registered in code included) and logger. Nothing else is started; the embedding
  /// process must keep running for its agents to be followed live.
  case inProcess
  /// Each agent gets a supervisor process of its own: `executable arguments… <supervisor words>`,
  /// started detached (own session, stdin `/dev/null`, output to the agent's `supervisor.log`).
  /// The embedder's program recognises `arguments`, passes the words after them to
  /// ``Supervisor/main(arguments:registry:logger:)`` and exits with the code it returns.
  case detached(executable: String, arguments: [String])

  /// `.detached` with the running executable: for a program whose own `main` forwards
  /// `arguments…` to ``Supervisor/main(arguments:registry:logger:)`` (the `multiagent` CLI passes
  /// `["__supervise"]`).
  ///
  /// - Returns: `nil` when the running executable's path cannot be found.
  public static func detachedCurrentExecutable(arguments: [String]) -> Supervision? {
    guard let executable = ProcessLauncher().currentExecutablePath() else { return nil }
    return .detached(executable: executable, arguments: arguments)
  }

  /// The environment variable through which a detached supervisor learns how it was started, so
  /// that the queued agents it starts are supervised the same way. Never reaches an agent's CLI.
  static let environmentVariable = "MULTIAGENT_SUPERVISION"

  /// The value of ``environmentVariable``: `executable` and `arguments` as a JSON array.
  var environmentValue: String? {
    guard case .detached(let executable, let arguments) = self else { return nil }
    return JSONWriter.string(.array(([executable] + arguments).map(JSONValue.string)))
  }

  /// The supervision ``environmentValue`` describes, if it is one.
  init?(environmentValue: String?) {
    guard let environmentValue, let value = try? JSONParser.parse(Array(environmentValue.utf8)),
      case .array(let items) = value
    else { return nil }
    let words = items.compactMap(\.stringValue)
    guard words.count == items.count, let executable = words.first, !executable.isEmpty else { return nil }
    self = .detached(executable: executable, arguments: Array(words.dropFirst()))
  }
}
