import JSONKit
import ProcessKit
import StateStore

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

extension AgentRows {
  /// Writes the current row of a statement that selected ``columnList`` as JSON: exactly the text
  /// `AgentRecord.writeJSON(to:)` writes for the record ``record(_:path:)`` reads from the same row,
  /// without making the record — text columns are escaped straight from the engine's buffer.
  ///
  /// - Throws: what ``record(_:path:)`` throws for the row (an unknown status, a column that is not
  ///   JSON), before writing anything of it.
  static func writeJSON<Row: StoreRow>(_ row: Row, path: String, to output: inout JSONOutput)
    throws(StoreError)
  {
    // The columns that can make the row invalid are read first, so an error writes nothing.
    let status: AgentStatus
    if let known = knownStatus(row) { status = known } else { status = try validStatus(row, path: path) }
    let extraArguments = try self.extraArguments(row, path: path)
    let fallback = try strings(row, .fallback, path: path)
    let questions = try pendingQuestions(row, path: path)
    let json = RowJSON(row: row)
    let createdAt = json.time(.createdAt) ?? 0
    output.beginObject()
    output.key("account")
    json.text(.account, to: &output)
    output.key("account_pinned")
    json.flag(.accountPinned, to: &output)
    output.key("base_ref")
    json.text(.baseRef, to: &output)
    output.key("branch")
    json.text(.branch, to: &output)
    output.key("cli")
    json.process(.cliPID, .cliStartTime, .cliSpawnID, to: &output)
    output.key("created_at")
    output.time(createdAt)
    output.key("created_branch")
    json.flag(.createdBranch, to: &output)
    output.key("created_worktree")
    json.flag(.createdWorktree, to: &output)
    output.key("cwd")
    json.text(.cwd, to: &output)
    output.key("detached_from_parent")
    json.flag(.detachedFromParent, to: &output)
    output.key("dismissed_at")
    output.time(json.time(.dismissedAt))
    output.key("error")
    json.text(.error, to: &output)
    output.key("exit_code")
    json.integer32(.exitCode, to: &output)
    output.key("exit_signal")
    json.integer32(.exitSignal, to: &output)
    output.key("extra_arguments")
    output.strings(extraArguments)
    output.key("fallback")
    output.strings(fallback)
    output.key("finished_at")
    output.time(json.time(.finishedAt))
    output.key("id")
    json.text(.id, orEmpty: true, to: &output)
    output.key("machine")
    json.text(.machine, to: &output)
    output.key("model")
    json.text(.model, to: &output)
    output.key("name")
    json.text(.name, orEmpty: true, to: &output)
    output.key("parent_id")
    json.text(.parentID, to: &output)
    output.key("parse_offset")
    output.number(Double(row.int64(AgentColumn.parseOffset.rawValue) ?? 0))
    output.key("pending_questions")
    AgentRecord.writeQuestions(questions, to: &output)
    writeRest(json, status: status, createdAt: createdAt, to: &output)
    output.endObject()
  }

  /// How ``writeJSON(_:path:to:)`` reads each column of ``select``'s rows: what a row is copied as
  /// to be written on another thread (``SQLiteRowBatch``). A column read another way than this says
  /// fails an assertion in debug builds (the tests that list agents read every column).
  static let copiedKinds: [SQLiteRowBatch.Kind] = AgentColumn.allCases.map { column in
    switch column {
    case .id, .name, .provider, .account, .model, .taskID, .parentID, .status, .sessionID, .promptSummary,
      .cwd, .worktreePath, .branch, .baseRef, .extraArguments, .supervisorSpawnID, .cliSpawnID,
      .pendingQuestions, .result, .error, .fallback, .machine:
      .text
    case .createdWorktree, .createdBranch, .supervisorPID, .supervisorStartTime, .cliPID, .cliStartTime,
      .exitCode, .exitSignal, .parseOffset, .accountPinned, .detachedFromParent, .reportsToParent:
      .integer
    case .createdAt, .updatedAt, .startedAt, .finishedAt, .dismissedAt:
      .real
    case .supervisorBootID, .cliBootID:
      .skipped
    }
  }

  /// The row's status when it is a known one, read from SQLite's buffer without making a string.
  private static func knownStatus<Row: StoreRow>(_ row: Row) -> AgentStatus? {
    row.withText(AgentColumn.status.rawValue) { text in
      statusesByText.first { $0.text.elementsEqual(text) }?.status
    } ?? nil
  }

  /// Every status and its text, most common first.
  private static let statusesByText: [(text: [UInt8], status: AgentStatus)] =
    [AgentStatus.completed, .failed, .stopped, .waitingForInput, .running]
    .map { (Array($0.rawValue.utf8), $0) }
    + AgentStatus.allCases.filter {
      ![.completed, .failed, .stopped, .waitingForInput, .running].contains($0)
    }
    .map { (Array($0.rawValue.utf8), $0) }

  /// The members from `prompt_summary` on.
  private static func writeRest(
    _ json: RowJSON<some StoreRow>, status: AgentStatus, createdAt: Double, to output: inout JSONOutput
  ) {
    output.key("prompt_summary")
    json.text(.promptSummary, to: &output)
    output.key("provider")
    json.text(.provider, orEmpty: true, to: &output)
    output.key("reports_to_parent")
    json.flag(.reportsToParent, to: &output)
    output.key("result")
    json.text(.result, to: &output)
    output.key("session_id")
    json.text(.sessionID, to: &output)
    output.key("started_at")
    output.time(json.time(.startedAt))
    output.key("status")
    output.string(status.rawValue)
    output.key("supervisor")
    json.process(.supervisorPID, .supervisorStartTime, .supervisorSpawnID, to: &output)
    output.key("task_id")
    json.text(.taskID, to: &output)
    output.key("updated_at")
    output.time(json.time(.updatedAt) ?? createdAt)
    output.key("worktree_path")
    json.text(.worktreePath, to: &output)
  }
}

/// The columns of one row, written as the record read from it would write them.
private struct RowJSON<Row: StoreRow> {
  let row: Row

  /// A text column; NULL is `null`, or `""` when the record has an empty string for it.
  func text(_ column: AgentColumn, orEmpty: Bool = false, to output: inout JSONOutput) {
    let written: Void? = row.withText(column.rawValue) { output.string(utf8: $0) }
    if written == nil { output.string(orEmpty ? "" : nil) }
  }

  /// A time column, through `Date` as the record keeps it: the same Double back, to the last bit.
  func time(_ column: AgentColumn) -> Double? {
    row.double(column.rawValue).map { Date(timeIntervalSince1970: $0).timeIntervalSince1970 }
  }

  func flag(_ column: AgentColumn, to output: inout JSONOutput) {
    output.bool(row.bool(column.rawValue))
  }

  func integer32(_ column: AgentColumn, to output: inout JSONOutput) {
    output.integer(row.int64(column.rawValue).map { Int32(truncatingIfNeeded: $0) })
  }

  /// A process identity from its three columns; no pid is `null`.
  func process(_ pid: AgentColumn, _ start: AgentColumn, _ spawn: AgentColumn, to output: inout JSONOutput) {
    guard let value = row.int64(pid.rawValue) else { return output.value(nil) }
    output.beginObject()
    output.key("pid")
    output.number(Double(Int32(truncatingIfNeeded: value)))
    output.key("spawn_id")
    text(spawn, orEmpty: true, to: &output)
    output.key("start_time")
    output.number(Double(UInt64(bitPattern: row.int64(start.rawValue) ?? 0)))
    output.endObject()
  }
}
