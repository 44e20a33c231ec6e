import JSONKit
import ProcessKit
import ProviderKit

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

extension AgentRecord {
  /// The record as a JSON tree: the same keys and values as its `Codable` form, keys in sorted
  /// order.
  ///
  /// For output of many records: building trees and writing them with `JSONWriter` is an order of
  /// magnitude faster than `JSONEncoder` (10,000 agents: tens of milliseconds rather than a second).
  public var jsonValue: JSONValue {
    func text(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
    func number(_ value: Double?) -> JSONValue { value.map { .number($0) } ?? .null }
    func time(_ value: Date?) -> JSONValue { .time(value?.timeIntervalSince1970) }
    func process(_ value: ProcessIdentity?) -> JSONValue {
      guard let value else { return .null }
      return .object(
        JSONObject(
          keys: ["pid", "spawn_id", "start_time"],
          values: [.number(Double(value.pid)), .string(value.spawnID), .number(Double(value.startTime))]))
    }
    let questions: [JSONValue] = pendingQuestions.map { question in
      var object = JSONObject(keys: [], values: [])
      if let header = question.header {
        object.keys.append("header")
        object.values.append(.string(header))
      }
      object.keys += ["id", "options", "question"]
      object.values += [
        .string(question.id), .array(question.options.map { .string($0) }), .string(question.question),
      ]
      return .object(object)
    }
    // Keys in sorted order; `jsonValueMatchesCodable` in the tests holds this to the Codable form.
    return .object(
      JSONObject(
        keys: [
          "account", "account_pinned", "base_ref", "branch", "cli", "created_at", "created_branch",
          "created_worktree", "cwd",
          "detached_from_parent", "dismissed_at", "error", "exit_code", "exit_signal", "extra_arguments",
          "fallback", "finished_at", "id", "machine",
          "model",
          "name", "parent_id", "parse_offset", "pending_questions", "prompt_summary", "provider",
          "reports_to_parent", "result",
          "session_id", "started_at", "status", "supervisor", "task_id", "updated_at", "worktree_path",
        ],
        values: [
          text(account), .bool(accountPinned), text(baseRef), text(branch), process(cli),
          time(createdAt),
          .bool(createdBranch), .bool(createdWorktree), text(cwd), .bool(detachedFromParent),
          time(dismissedAt),
          text(error), number(exitCode.map(Double.init)), number(exitSignal.map(Double.init)),
          .array(extraArguments.map { .string($0) }), .array(fallback.map { .string($0) }),
          time(finishedAt), .string(id), text(machine),
          text(model), .string(name), text(parentID), .number(Double(parseOffset)), .array(questions),
          text(promptSummary), .string(provider), .bool(reportsToParent), text(result), text(sessionID),
          time(startedAt), .string(status.rawValue), process(supervisor),
          text(taskID),
          time(updatedAt), text(worktreePath),
        ]))
  }
}

extension StoredEvent {
  /// The event as a JSON tree: the same keys and values as its `Codable` form, keys in sorted order.
  public var jsonValue: JSONValue {
    .object(
      JSONObject(
        keys: ["agent_id", "data", "from_status", "id", "message", "time", "to_status", "type"],
        values: [
          .string(agentID), data ?? .null, fromStatus.map { .string($0.rawValue) } ?? .null,
          .number(Double(id)), message.map { .string($0) } ?? .null, .time(time.timeIntervalSince1970),
          toStatus.map { .string($0.rawValue) } ?? .null, .string(type.rawValue),
        ]))
  }
}
