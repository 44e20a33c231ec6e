import JSONKit
import ProcessKit
import ProviderKit

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

extension AgentRecord {
  enum CodingKeys: String, CodingKey {
    case id, name, provider, account, model
    case taskID = "task_id"
    case parentID = "parent_id"
    case status
    case sessionID = "session_id"
    case promptSummary = "prompt_summary"
    case cwd
    case worktreePath = "worktree_path"
    case branch
    case baseRef = "base_ref"
    case createdWorktree = "created_worktree"
    case createdBranch = "created_branch"
    case extraArguments = "extra_arguments"
    case fallback
    case accountPinned = "account_pinned"
    case supervisor, cli
    case exitCode = "exit_code"
    case exitSignal = "exit_signal"
    case parseOffset = "parse_offset"
    case pendingQuestions = "pending_questions"
    case result, error, machine
    case createdAt = "created_at"
    case updatedAt = "updated_at"
    case startedAt = "started_at"
    case finishedAt = "finished_at"
    case dismissedAt = "dismissed_at"
    case detachedFromParent = "detached_from_parent"
    case reportsToParent = "reports_to_parent"
  }

  /// Decodes a record; missing optional keys are nil, and times are ISO-8601 text or seconds
  /// since 1970.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    self.init(
      id: try c.decode(String.self, forKey: .id),
      name: try c.decode(String.self, forKey: .name),
      provider: try c.decode(String.self, forKey: .provider),
      account: try c.decodeIfPresent(String.self, forKey: .account),
      model: try c.decodeIfPresent(String.self, forKey: .model),
      taskID: try c.decodeIfPresent(String.self, forKey: .taskID),
      parentID: try c.decodeIfPresent(String.self, forKey: .parentID),
      status: try c.decode(AgentStatus.self, forKey: .status),
      sessionID: try c.decodeIfPresent(String.self, forKey: .sessionID),
      promptSummary: try c.decodeIfPresent(String.self, forKey: .promptSummary),
      cwd: try c.decodeIfPresent(String.self, forKey: .cwd),
      worktreePath: try c.decodeIfPresent(String.self, forKey: .worktreePath),
      branch: try c.decodeIfPresent(String.self, forKey: .branch),
      baseRef: try c.decodeIfPresent(String.self, forKey: .baseRef),
      createdWorktree: try c.decodeIfPresent(Bool.self, forKey: .createdWorktree) ?? false,
      createdBranch: try c.decodeIfPresent(Bool.self, forKey: .createdBranch) ?? false,
      extraArguments: try c.decodeIfPresent([String].self, forKey: .extraArguments) ?? [],
      supervisor: try c.decodeIfPresent(SnakeCaseProcess.self, forKey: .supervisor)?.identity,
      cli: try c.decodeIfPresent(SnakeCaseProcess.self, forKey: .cli)?.identity,
      exitCode: try c.decodeIfPresent(Int32.self, forKey: .exitCode),
      exitSignal: try c.decodeIfPresent(Int32.self, forKey: .exitSignal),
      parseOffset: try c.decodeIfPresent(Int64.self, forKey: .parseOffset) ?? 0,
      pendingQuestions: try c.decodeIfPresent([PendingQuestion].self, forKey: .pendingQuestions) ?? [],
      result: try c.decodeIfPresent(String.self, forKey: .result),
      error: try c.decodeIfPresent(String.self, forKey: .error),
      createdAt: Date(timeIntervalSince1970: try c.decodeTime(forKey: .createdAt)),
      updatedAt: try c.decodeTimeIfPresent(forKey: .updatedAt).map(Date.init(timeIntervalSince1970:)),
      startedAt: try c.decodeTimeIfPresent(forKey: .startedAt).map(Date.init(timeIntervalSince1970:)),
      finishedAt: try c.decodeTimeIfPresent(forKey: .finishedAt).map(Date.init(timeIntervalSince1970:)),
      dismissedAt: try c.decodeTimeIfPresent(forKey: .dismissedAt).map(Date.init(timeIntervalSince1970:)),
      accountPinned: try c.decodeIfPresent(Bool.self, forKey: .accountPinned) ?? false,
      detachedFromParent: try c.decodeIfPresent(Bool.self, forKey: .detachedFromParent) ?? false,
      fallback: try c.decodeIfPresent([String].self, forKey: .fallback) ?? [],
      reportsToParent: try c.decodeIfPresent(Bool.self, forKey: .reportsToParent) ?? false,
      machine: try c.decodeIfPresent(String.self, forKey: .machine)
    )
  }

  /// Encodes every key (nil as `null`); times as ISO-8601 text (`JSONTime`), whatever the encoder's
  /// date strategy.
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(id, forKey: .id)
    try c.encode(name, forKey: .name)
    try c.encode(provider, forKey: .provider)
    try c.encode(account, forKey: .account)
    try c.encode(model, forKey: .model)
    try c.encode(taskID, forKey: .taskID)
    try c.encode(parentID, forKey: .parentID)
    try c.encode(status, forKey: .status)
    try c.encode(sessionID, forKey: .sessionID)
    try c.encode(promptSummary, forKey: .promptSummary)
    try c.encode(cwd, forKey: .cwd)
    try c.encode(worktreePath, forKey: .worktreePath)
    try c.encode(branch, forKey: .branch)
    try c.encode(baseRef, forKey: .baseRef)
    try c.encode(createdWorktree, forKey: .createdWorktree)
    try c.encode(createdBranch, forKey: .createdBranch)
    try c.encode(extraArguments, forKey: .extraArguments)
    try c.encode(fallback, forKey: .fallback)
    try c.encode(accountPinned, forKey: .accountPinned)
    try c.encode(supervisor.map(SnakeCaseProcess.init), forKey: .supervisor)
    try c.encode(cli.map(SnakeCaseProcess.init), forKey: .cli)
    try c.encode(exitCode, forKey: .exitCode)
    try c.encode(exitSignal, forKey: .exitSignal)
    try c.encode(parseOffset, forKey: .parseOffset)
    try c.encode(pendingQuestions, forKey: .pendingQuestions)
    try c.encode(result, forKey: .result)
    try c.encode(error, forKey: .error)
    try c.encode(machine, forKey: .machine)
    try c.encodeTime(createdAt.timeIntervalSince1970, forKey: .createdAt)
    try c.encodeTime(updatedAt.timeIntervalSince1970, forKey: .updatedAt)
    try c.encodeTime(startedAt?.timeIntervalSince1970, forKey: .startedAt)
    try c.encodeTime(finishedAt?.timeIntervalSince1970, forKey: .finishedAt)
    try c.encodeTime(dismissedAt?.timeIntervalSince1970, forKey: .dismissedAt)
    try c.encode(detachedFromParent, forKey: .detachedFromParent)
    try c.encode(reportsToParent, forKey: .reportsToParent)
  }
}

/// A `ProcessIdentity` with snake_case keys (`pid`, `start_time`, `spawn_id`), as in the rest of
/// the record's JSON.
private struct SnakeCaseProcess: Codable {
  var identity: ProcessIdentity

  init(_ identity: ProcessIdentity) { self.identity = identity }

  enum CodingKeys: String, CodingKey {
    case pid
    case startTime = "start_time"
    case spawnID = "spawn_id"
  }

  init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    identity = ProcessIdentity(
      pid: try c.decode(Int32.self, forKey: .pid), startTime: try c.decode(UInt64.self, forKey: .startTime),
      spawnID: try c.decodeIfPresent(String.self, forKey: .spawnID) ?? "")
  }

  func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(identity.pid, forKey: .pid)
    try c.encode(identity.startTime, forKey: .startTime)
    try c.encode(identity.spawnID, forKey: .spawnID)
  }
}
