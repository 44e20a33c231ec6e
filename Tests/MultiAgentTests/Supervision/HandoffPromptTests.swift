import Foundation
import ProviderKit
import Testing

@testable import MultiAgent

/// The prompt that carries an agent's work to another provider.
@Suite struct HandoffPromptTests {
  private func event(_ kind: AgentEvent.Kind) -> AgentEvent { AgentEvent(offset: 0, kind: kind) }

  @Test func itCarriesTheTaskAnswersChangesAndWhatWasInProgress() {
    var handoff = HandoffPrompt(
      fromProvider: "claude", reason: "every claude account is exhausted until 2026-12-02T23:00:00Z",
      task: "Add a CHANGELOG entry\n\nContext files for this task:\n- /h/agents/x/inputs/notes.md")
    handoff.answers = ["The user answered your questions:\n- q1 (Which format?): keep-a-changelog"]
    handoff.gitStatus = "?? CHANGELOG.md\n M README.md\n"
    handoff.diffStat = " README.md | 2 +-\n 1 file changed\n"
    handoff.interrupted = .request("The user answered your questions:\n- q1: keep-a-changelog")
    let text = handoff.text
    #expect(text.hasPrefix("You are taking over a task from another coding agent (claude)"))
    #expect(text.contains("every claude account is exhausted until 2026-12-02T23:00:00Z"))
    #expect(text.contains("## The task\n\nAdd a CHANGELOG entry\n\nContext files for this task:"))
    #expect(text.contains("## Answers the user gave along the way\n\nThe user answered your questions:"))
    #expect(text.contains("> ?? CHANGELOG.md\n>  M README.md"))
    #expect(text.contains("(git diff --stat):\n>  README.md | 2 +-"))
    #expect(
      text.contains(
        "## In progress when it stopped\n\nIt was working on this request when it stopped:\n> The user"))
    // Nothing about tools or messages it does not have.
    #expect(!text.contains("Tool calls") && !text.contains("last messages"))
  }

  @Test func anUntouchedWorktreeAndNoAnswersAreSaidPlainly() {
    var handoff = HandoffPrompt(fromProvider: "codex", reason: "cannot start codex", task: "Fix it")
    #expect(handoff.text.contains("Files changed in the working directory: none."))
    #expect(!handoff.text.contains("## Answers") && !handoff.text.contains("## In progress"))
    // The task or the answers already above are named, not quoted again.
    handoff.interrupted = .task
    #expect(
      handoff.text.hasSuffix(
        "## In progress when it stopped\n\nIt was still on its first turn: the task above."))
    handoff.interrupted = .lastAnswers
    #expect(handoff.text.hasSuffix("It was working on the user's last answers (above)."))
    #expect(handoff.text.components(separatedBy: "Fix it").count == 2)
  }

  @Test func eventsGiveToolCallsTheLastMessagesAndAnUnfinishedCall() {
    var handoff = HandoffPrompt(fromProvider: "claude", reason: "limit", task: "t")
    handoff.add(events: [
      event(.assistantText("first")),
      event(.toolUse(id: "a", name: "Write", input: #"{"file_path":"notes.txt"}"#)),
      event(.toolResult(id: "a", output: "ok", isError: false)),
      event(.assistantText("second")),
      event(.assistantText("  ")),
      event(.assistantText("third")),
      event(.assistantText("fourth\nwith two lines")),
      event(.toolUse(id: "b", name: "Bash", input: #"{"command":"swift test"}"#)),
      event(.raw("noise")),
    ])
    #expect(handoff.toolCalls.map(\.name) == ["Write", "Bash"])
    #expect(handoff.lastMessages == ["second", "third", "fourth\nwith two lines"])
    #expect(handoff.unfinishedToolCall?.name == "Bash")
    let text = handoff.text
    #expect(text.contains(#"- Write {"file_path":"notes.txt"}"#))
    #expect(text.contains("> fourth\n> with two lines"))
    #expect(
      text.contains(
        #"Its last tool call never finished (check whether it took effect): Bash {"command":"swift test"}"#))
    #expect(!text.contains("> first"))
  }

  @Test func longInputsAreCutAndManyCallsKeepTheLatest() {
    var handoff = HandoffPrompt(fromProvider: "claude", reason: "limit", task: "t")
    let calls = (1...100).flatMap { index in
      [
        event(.toolUse(id: "\(index)", name: "Tool\(index)", input: String(repeating: "x", count: 5_000))),
        event(.toolResult(id: "\(index)", output: "", isError: false)),
      ]
    }
    handoff.add(events: calls)
    #expect(handoff.unfinishedToolCall == nil)
    let text = handoff.text
    #expect(text.contains("(the last \(HandoffPrompt.maxToolCalls))"))
    #expect(text.contains("- Tool100 ") && text.contains("- Tool61 ") && !text.contains("- Tool60 "))
    #expect(text.utf8.count < 40 * 400)
  }
}
