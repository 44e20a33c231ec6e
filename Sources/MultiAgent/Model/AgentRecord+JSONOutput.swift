import JSONKit
import ProcessKit
import ProviderKit

extension AgentRecord {
  /// Writes the record as ``jsonValue`` would be written (the same keys, order and text), straight
  /// into `output` without building the tree: `list --json` writes ten thousand of these.
  public func writeJSON(to output: inout JSONOutput) {
    output.beginObject()
    output.key("account")
    output.string(account)
    output.key("account_pinned")
    output.bool(accountPinned)
    output.key("base_ref")
    output.string(baseRef)
    output.key("branch")
    output.string(branch)
    output.key("cli")
    Self.write(cli, to: &output)
    output.key("created_at")
    output.time(createdAt.timeIntervalSince1970)
    output.key("created_branch")
    output.bool(createdBranch)
    output.key("created_worktree")
    output.bool(createdWorktree)
    output.key("cwd")
    output.string(cwd)
    output.key("detached_from_parent")
    output.bool(detachedFromParent)
    output.key("dismissed_at")
    output.time(dismissedAt?.timeIntervalSince1970)
    output.key("error")
    output.string(error)
    output.key("exit_code")
    output.integer(exitCode)
    output.key("exit_signal")
    output.integer(exitSignal)
    output.key("extra_arguments")
    output.strings(extraArguments)
    output.key("fallback")
    output.strings(fallback)
    output.key("finished_at")
    output.time(finishedAt?.timeIntervalSince1970)
    output.key("id")
    output.string(id)
    output.key("machine")
    output.string(machine)
    output.key("model")
    output.string(model)
    output.key("name")
    output.string(name)
    output.key("parent_id")
    output.string(parentID)
    output.key("parse_offset")
    output.number(Double(parseOffset))
    output.key("pending_questions")
    Self.writeQuestions(pendingQuestions, to: &output)
    output.key("prompt_summary")
    output.string(promptSummary)
    output.key("provider")
    output.string(provider)
    output.key("reports_to_parent")
    output.bool(reportsToParent)
    output.key("result")
    output.string(result)
    output.key("session_id")
    output.string(sessionID)
    output.key("started_at")
    output.time(startedAt?.timeIntervalSince1970)
    output.key("status")
    output.string(status.rawValue)
    output.key("supervisor")
    Self.write(supervisor, to: &output)
    output.key("task_id")
    output.string(taskID)
    output.key("updated_at")
    output.time(updatedAt.timeIntervalSince1970)
    output.key("worktree_path")
    output.string(worktreePath)
    output.endObject()
  }

  static func writeQuestions(_ questions: [PendingQuestion], to output: inout JSONOutput) {
    output.beginArray()
    for question in questions {
      output.beginObject()
      if let header = question.header {
        output.key("header")
        output.string(header)
      }
      output.key("id")
      output.string(question.id)
      output.key("options")
      output.strings(question.options)
      output.key("question")
      output.string(question.question)
      output.endObject()
    }
    output.endArray()
  }

  private static func write(_ process: ProcessIdentity?, to output: inout JSONOutput) {
    guard let process else {
      output.value(nil)
      return
    }
    output.beginObject()
    output.key("pid")
    output.number(Double(process.pid))
    output.key("spawn_id")
    output.string(process.spawnID)
    output.key("start_time")
    output.number(Double(process.startTime))
    output.endObject()
  }
}
