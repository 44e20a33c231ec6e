import Foundation
import MultiAgent
import ProviderKit

/// The story an embedder tells: two accounts for a provider known only in code, one of them spent;
/// an agent spawned on it, followed event by event; its question answered; its result read.
struct Demo {
  let supervision: Supervision
  let registry: ProviderRegistry
  let home: StateHome
  let repository: String

  func run() async throws -> Int32 {
    let manager = try AgentManager(home: home, registry: registry, supervision: supervision)
    try addAccounts()
    let spawned = try manager.spawn(
      SpawnOptions(provider: TallyProvider.name, prompt: "Greet the user", cwd: repository, rotate: true))
    say("spawned \(spawned.name) (\(spawned.status)) in \(spawned.worktreePath ?? "?")")

    var seen = try await follow(spawned.id, manager: manager, skipping: 0)
    var record = try await manager.wait(spawned.id)
    say("settled: \(record.status)")
    say("supervised by \(record.supervisor?.pid == getpid() ? "this process" : "another process")")
    guard record.status == .waitingForInput, let question = record.pendingQuestions.first else {
      say("expected a question, got \(record.status): \(record.error ?? "")")
      return 1
    }
    say("question \(question.id): \(question.question) [\(question.options.joined(separator: ", "))]")
    _ = try manager.answer(spawned.id, .byID([question.id: question.options.first ?? "hello"]))
    say("answered \(question.id)")
    seen = try await follow(spawned.id, manager: manager, skipping: seen)
    record = try await manager.wait(spawned.id)
    say("settled: \(record.status)")
    for event in try manager.store.events(agentID: spawned.id) where event.type != .statusChanged {
      say("lifecycle: \(event.type.rawValue) \(event.message ?? "")")
    }
    say("result: \(record.result ?? "none")")
    return record.status == .completed ? 0 : 1
  }

  /// Prints the agent's events from the log (those after the first `skipping`) until it settles.
  private func follow(_ id: String, manager: AgentManager, skipping: Int) async throws -> Int {
    var count = 0
    for try await event in try manager.events(of: id) {
      count += 1
      if count > skipping { say("event: \(describe(event.kind))") }
    }
    return count
  }

  private func describe(_ kind: AgentEvent.Kind) -> String {
    switch kind {
    case .sessionStarted(let id): "session \(id)"
    case .assistantText(let text): "text \(text)"
    case .question(let questions): "question \(questions.map(\.id).joined(separator: ","))"
    case .exhausted(_, let message): "exhausted \(message)"
    case .result(let text, _): "result \(text ?? "")"
    case .raw(let line): "raw \(line)"
    default: "\(kind)"
    }
  }

  /// A spent account (created first, so chosen first) and a fresh one.
  private func addAccounts() throws {
    let accounts = try Accounts(home: home)
    _ = try accounts.add(provider: TallyProvider.name, label: "spent", secret: .apiKey("spent"))
    _ = try accounts.add(provider: TallyProvider.name, label: "fresh", secret: .apiKey("fresh"))
  }

  private func say(_ line: String) {
    print("[\(supervision.label)] \(line)")
  }
}

extension Supervision {
  var label: String {
    switch self {
    case .inProcess: "in-process"
    case .detached: "detached"
    }
  }
}
