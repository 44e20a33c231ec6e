import JSONKit
import ProcessKit
import StateStore
import ProviderKit

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// The columns of `agents`, in SELECT order; parameter `?N` of INSERT and UPDATE is column N-1.
enum AgentColumn: Int32, CaseIterable {
  case id, name, provider, account, model, taskID, parentID, status, sessionID, promptSummary, cwd
  case worktreePath, branch, baseRef, createdWorktree, createdBranch, extraArguments
  case supervisorPID, supervisorStartTime, supervisorSpawnID, cliPID, cliStartTime, cliSpawnID
  case exitCode, exitSignal, parseOffset, pendingQuestions, result, error
  case createdAt, updatedAt, startedAt, finishedAt, dismissedAt, accountPinned, detachedFromParent
  case fallback, reportsToParent, machine, supervisorBootID, cliBootID

  /// The SQL column name.
  var name: String {
    switch self {
    case .id: "id"
    case .name: "name"
    case .provider: "provider"
    case .account: "account"
    case .model: "model"
    case .taskID: "task_id"
    case .parentID: "parent_id"
    case .status: "status"
    case .sessionID: "session_id"
    case .promptSummary: "prompt_summary"
    case .cwd: "cwd"
    case .worktreePath: "worktree_path"
    case .branch: "branch"
    case .baseRef: "base_ref"
    case .createdWorktree: "created_worktree"
    case .createdBranch: "created_branch"
    case .extraArguments: "extra_arguments"
    case .supervisorPID: "supervisor_pid"
    case .supervisorStartTime: "supervisor_start_time"
    case .supervisorSpawnID: "supervisor_spawn_id"
    case .cliPID: "cli_pid"
    case .cliStartTime: "cli_start_time"
    case .cliSpawnID: "cli_spawn_id"
    case .exitCode: "exit_code"
    case .exitSignal: "exit_signal"
    case .parseOffset: "parse_offset"
    case .pendingQuestions: "pending_questions"
    case .result: "result"
    case .error: "error"
    case .createdAt: "created_at"
    case .updatedAt: "updated_at"
    case .startedAt: "started_at"
    case .finishedAt: "finished_at"
    case .dismissedAt: "dismissed_at"
    case .accountPinned: "account_pinned"
    case .detachedFromParent: "detached_from_parent"
    case .fallback: "fallback"
    case .reportsToParent: "reports_to_parent"
    case .machine: "machine"
    case .supervisorBootID: "supervisor_boot_id"
    case .cliBootID: "cli_boot_id"
    }
  }
}

/// SQL text and row mapping for `agents` and `events`. All values are bound as parameters.
enum AgentRows {
  static let columnList = AgentColumn.allCases.map(\.name).joined(by: ", ")
  static let select = "SELECT \(columnList) FROM agents"
  static let selectByID = select + " WHERE id = ?"
  static let selectByName = select + " WHERE name = ?"
  static let insert =
    "INSERT INTO agents (\(columnList)) VALUES ("
    + AgentColumn.allCases.map { "?\($0.rawValue + 1)" }.joined(by: ", ") + ")"
  /// ``insert`` with the agent's token hash as its last parameter.
  static let insertWithTokenHash =
    "INSERT INTO agents (\(columnList), token_hash) VALUES ("
    + AgentColumn.allCases.map { "?\($0.rawValue + 1)" }.joined(by: ", ")
    + ", ?\(AgentColumn.allCases.count + 1))"
  static let update =
    "UPDATE agents SET "
    + AgentColumn.allCases.dropFirst().map { "\($0.name) = ?\($0.rawValue + 1)" }.joined(by: ", ")
    + " WHERE id = ?1"

  static let eventColumns = "id, agent_id, time, type, from_status, to_status, message, data"
  static let insertEvent =
    "INSERT INTO events (agent_id, time, type, from_status, to_status, message, data) "
    + "VALUES (?, ?, ?, ?, ?, ?, ?)"

  // MARK: Agents

  /// Binds every column of `record` to an INSERT or UPDATE statement.
  static func bind(_ record: AgentRecord, to statement: any StoreStatement) {
    func at(_ column: AgentColumn) -> Int32 { column.rawValue }
    statement.bind(record.id, at: at(.id))
    statement.bind(record.name, at: at(.name))
    statement.bind(record.provider, at: at(.provider))
    statement.bind(record.account, at: at(.account))
    statement.bind(record.model, at: at(.model))
    statement.bind(record.taskID, at: at(.taskID))
    statement.bind(record.parentID, at: at(.parentID))
    statement.bind(record.status.rawValue, at: at(.status))
    statement.bind(record.sessionID, at: at(.sessionID))
    statement.bind(record.promptSummary, at: at(.promptSummary))
    statement.bind(record.cwd, at: at(.cwd))
    statement.bind(record.worktreePath, at: at(.worktreePath))
    statement.bind(record.branch, at: at(.branch))
    statement.bind(record.baseRef, at: at(.baseRef))
    statement.bind(record.createdWorktree, at: at(.createdWorktree))
    statement.bind(record.createdBranch, at: at(.createdBranch))
    statement.bind(record.accountPinned, at: at(.accountPinned))
    statement.bind(record.detachedFromParent, at: at(.detachedFromParent))
    statement.bind(record.reportsToParent, at: at(.reportsToParent))
    statement.bind(
      record.extraArguments.isEmpty
        ? nil : JSONWriter.string(.array(record.extraArguments.map { .string($0) })),
      at: at(.extraArguments))
    statement.bind(
      record.fallback.isEmpty ? nil : JSONWriter.string(.array(record.fallback.map { .string($0) })),
      at: at(.fallback))
    statement.bind(record.supervisor?.pid, at: at(.supervisorPID))
    statement.bind(record.supervisor.map { Int64(bitPattern: $0.startTime) }, at: at(.supervisorStartTime))
    statement.bind(record.supervisor?.spawnID, at: at(.supervisorSpawnID))
    statement.bind(
      record.supervisor.flatMap { $0.bootID.isEmpty ? nil : $0.bootID }, at: at(.supervisorBootID))
    statement.bind(record.cli?.pid, at: at(.cliPID))
    statement.bind(record.cli.map { Int64(bitPattern: $0.startTime) }, at: at(.cliStartTime))
    statement.bind(record.cli?.spawnID, at: at(.cliSpawnID))
    statement.bind(record.cli.flatMap { $0.bootID.isEmpty ? nil : $0.bootID }, at: at(.cliBootID))
    statement.bind(record.machine, at: at(.machine))
    statement.bind(record.exitCode, at: at(.exitCode))
    statement.bind(record.exitSignal, at: at(.exitSignal))
    statement.bind(record.parseOffset, at: at(.parseOffset))
    statement.bind(
      record.pendingQuestions.isEmpty ? nil : JSONWriter.string(.array(record.pendingQuestions.map(json))),
      at: at(.pendingQuestions))
    statement.bind(record.result, at: at(.result))
    statement.bind(record.error, at: at(.error))
    statement.bind(record.createdAt.timeIntervalSince1970, at: at(.createdAt))
    statement.bind(record.updatedAt.timeIntervalSince1970, at: at(.updatedAt))
    statement.bind(record.startedAt?.timeIntervalSince1970, at: at(.startedAt))
    statement.bind(record.finishedAt?.timeIntervalSince1970, at: at(.finishedAt))
    statement.bind(record.dismissedAt?.timeIntervalSince1970, at: at(.dismissedAt))
  }

  /// The record in the current row of a statement that selected ``columnList``.
  static func record(_ row: any StoreStatement, path: String) throws(StoreError) -> AgentRecord {
    func text(_ column: AgentColumn) -> String? { row.string(column.rawValue) }
    func integer(_ column: AgentColumn) -> Int64? { row.int64(column.rawValue) }
    func time(_ column: AgentColumn) -> Date? {
      row.double(column.rawValue).map { Date(timeIntervalSince1970: $0) }
    }
    let id = text(.id) ?? ""
    let status = try validStatus(row, path: path)
    let extraArguments = try self.extraArguments(row, path: path)
    let fallback = try strings(row, .fallback, path: path)
    let pendingQuestions = try self.pendingQuestions(row, path: path)
    func process(_ pid: AgentColumn, _ start: AgentColumn, _ spawn: AgentColumn, _ boot: AgentColumn)
      -> ProcessIdentity?
    {
      guard let value = integer(pid) else { return nil }
      return .init(
        pid: Int32(truncatingIfNeeded: value), startTime: UInt64(bitPattern: integer(start) ?? 0),
        spawnID: text(spawn) ?? "", bootID: text(boot) ?? "")
    }
    let createdAt = time(.createdAt) ?? Date(timeIntervalSince1970: 0)
    return AgentRecord(
      id: id, name: text(.name) ?? "", provider: text(.provider) ?? "", account: text(.account),
      model: text(.model), taskID: text(.taskID), parentID: text(.parentID), status: status,
      sessionID: text(.sessionID), promptSummary: text(.promptSummary), cwd: text(.cwd),
      worktreePath: text(.worktreePath), branch: text(.branch), baseRef: text(.baseRef),
      createdWorktree: row.bool(AgentColumn.createdWorktree.rawValue),
      createdBranch: row.bool(AgentColumn.createdBranch.rawValue), extraArguments: extraArguments,
      supervisor: process(.supervisorPID, .supervisorStartTime, .supervisorSpawnID, .supervisorBootID),
      cli: process(.cliPID, .cliStartTime, .cliSpawnID, .cliBootID),
      exitCode: integer(.exitCode).map { Int32(truncatingIfNeeded: $0) },
      exitSignal: integer(.exitSignal).map { Int32(truncatingIfNeeded: $0) },
      parseOffset: integer(.parseOffset) ?? 0, pendingQuestions: pendingQuestions, result: text(.result),
      error: text(.error), createdAt: createdAt, updatedAt: time(.updatedAt) ?? createdAt,
      startedAt: time(.startedAt), finishedAt: time(.finishedAt), dismissedAt: time(.dismissedAt),
      accountPinned: row.bool(AgentColumn.accountPinned.rawValue),
      detachedFromParent: row.bool(AgentColumn.detachedFromParent.rawValue), fallback: fallback,
      reportsToParent: row.bool(AgentColumn.reportsToParent.rawValue), machine: text(.machine))
  }

  /// The row's status; an unknown one is an error.
  static func validStatus(_ row: any StoreRow, path: String) throws(StoreError) -> AgentStatus {
    let text = row.string(AgentColumn.status.rawValue)
    guard let text, let status = AgentStatus(rawValue: text) else {
      throw invalid(row, .status, "holds an unknown status \"\(text ?? "NULL")\" (a newer multiagent?)", path)
    }
    return status
  }

  /// The row's extra CLI arguments (NULL is none); a value that is not a JSON array is an error.
  static func extraArguments(_ row: any StoreRow, path: String) throws(StoreError) -> [String] {
    try strings(row, .extraArguments, path: path)
  }

  /// A column holding a JSON array of strings (NULL is none); any other value is an error.
  static func strings(_ row: any StoreRow, _ column: AgentColumn, path: String) throws(StoreError)
    -> [String]
  {
    guard let json = row.string(column.rawValue) else { return [] }
    guard let array = try? JSONParser.parse(json).arrayValue else {
      throw invalid(row, column, "is not a JSON array", path)
    }
    return array.compactMap(\.stringValue)
  }

  /// The row's pending questions (NULL is none); a value that is not a JSON array is an error.
  static func pendingQuestions(_ row: any StoreRow, path: String) throws(StoreError)
    -> [PendingQuestion]
  {
    guard let json = row.string(AgentColumn.pendingQuestions.rawValue) else { return [] }
    guard let array = try? JSONParser.parse(json).arrayValue else {
      throw invalid(row, .pendingQuestions, "is not a JSON array", path)
    }
    return array.compactMap(question)
  }

  private static func invalid(
    _ row: any StoreRow, _ column: AgentColumn, _ problem: String, _ path: String
  ) -> StoreError {
    let id = row.string(AgentColumn.id.rawValue) ?? ""
    return StoreError(
      code: .invalidValue, message: "agent \(id): column \(column.name) \(problem)", path: path)
  }

  // MARK: Events

  /// The event in the current row of a statement that selected ``eventColumns``.
  static func event(_ row: any StoreStatement) -> StoredEvent {
    StoredEvent(
      id: row.int64(0) ?? 0, agentID: row.string(1) ?? "",
      time: Date(timeIntervalSince1970: row.double(2) ?? 0),
      type: StoredEvent.EventType(rawValue: row.string(3) ?? ""),
      fromStatus: row.string(4).flatMap(AgentStatus.init(rawValue:)),
      toStatus: row.string(5).flatMap(AgentStatus.init(rawValue:)), message: row.string(6),
      data: row.string(7).flatMap { try? JSONParser.parse($0) })
  }

  /// Binds the parameters of ``insertEvent``.
  static func bind(_ event: StoredEvent, to statement: any StoreStatement) {
    statement.bind(event.agentID, at: 0)
    statement.bind(event.time.timeIntervalSince1970, at: 1)
    statement.bind(event.type.rawValue, at: 2)
    statement.bind(event.fromStatus?.rawValue, at: 3)
    statement.bind(event.toStatus?.rawValue, at: 4)
    statement.bind(event.message, at: 5)
    statement.bind(event.data.map(JSONWriter.string), at: 6)
  }

  // MARK: JSON columns

  private static func json(_ question: PendingQuestion) -> JSONValue {
    var object = JSONObject(
      keys: ["id", "question", "options"],
      values: [
        .string(question.id), .string(question.question), .array(question.options.map { .string($0) }),
      ])
    if let header = question.header {
      object.keys.append("header")
      object.values.append(.string(header))
    }
    return .object(object)
  }

  private static func question(_ value: JSONValue) -> PendingQuestion? {
    guard let id = value["id"]?.stringValue, let text = value["question"]?.stringValue else { return nil }
    return PendingQuestion(
      id: id, question: text, options: value["options"]?.arrayValue?.compactMap(\.stringValue) ?? [],
      header: value["header"]?.stringValue)
  }
}
