import Foundation
import JSONKit
import MultiAgent
import ProviderKit

/// `multiagent answer NAME …`: answers an agent's questions and resumes its session.
struct AnswerCommand: ParsableCommand {
  static let answer = Option<String>(
    "answer", valueName: "id=text", help: "The answer to one question, e.g. --answer q1=yes (repeatable).",
    repeatable: true)
  static let answersFile = Option<String>(
    "answers-file", valueName: "file", help: "A JSON object of answers: {\"q1\":\"yes\",\"q2\":\"…\"}.")
  static let provider = Option<String>(
    "provider", valueName: "name",
    help: "Continue on this provider instead (its earlier session of this agent, if any, else a new one, "
      + "told what was done meanwhile).")
  static let wait = Flag("wait", help: "Wait until the agent finishes or asks again; exit like `wait`.")
  static let requestID = Option<String>(
    "request-id", valueName: "id",
    help: "Apply this answer at most once: answering again with the same id changes nothing (for retries).")
  static let text = Argument(
    name: "text",
    help: "One free-text answer to all the questions (instead of --answer), or - to read it from stdin.",
    arity: .variadic)

  static let configuration = CommandConfiguration(
    name: "answer",
    abstract: "Answer an agent's pending questions; it resumes the same session.",
    discussion: """
      Give every question an answer (--answer ID=TEXT, or --answers-file), or one free-text answer.
      The answers are formatted into one prompt that quotes each question, and the provider's session
      is resumed with it, in the same worktree, appending to the same log. Only an agent that is
      waiting_for_input can be answered. An agent that moved to a fallback provider stays there;
      --provider moves it (back) to another one. With --request-id, an answer already applied under
      that id is not applied again (exit 0, the agent as it is): a script that lost the reply may
      retry. An agent on a host that cannot be reached is answered when the host answers again
      (exactly once); until then the answer is kept here.
      """,
    options: [answer, answersFile, provider, wait, AgentOutput.timeout, requestID],
    arguments: [AgentOutput.agentArgument, text]
  )

  let reference: String
  let pairs: [String]
  let file: String?
  let freeText: String
  let waits: Bool
  let timeout: Duration?
  let providerName: String?
  let request: String?

  init(arguments: ParsedArguments) throws {
    reference = arguments.argument(AgentOutput.agentArgument) ?? ""
    pairs = try arguments.values(Self.answer)
    file = try arguments.value(Self.answersFile)
    freeText = arguments.arguments(Self.text).joined(separator: " ")
    waits = arguments.isSet(Self.wait)
    providerName = try arguments.value(Self.provider)
    request = try arguments.value(Self.requestID)
    timeout = try arguments.value(AgentOutput.timeout)?.secondsDuration
    let given = [!pairs.isEmpty, file != nil, !freeText.isEmpty].filter { $0 }.count
    if given == 0 {
      throw CLIError.usage(
        "missing_answer", "missing answers",
        hint: "usage: multiagent answer NAME --answer q1=TEXT … | --answers-file FILE | \"free text\"")
    }
    if given > 1 {
      throw CLIError.usage(
        "conflicting_options", "give answers one way: --answer, --answers-file or free text")
    }
    if timeout != nil && !waits {
      throw CLIError.usage("conflicting_options", "--timeout needs --wait")
    }
  }

  func run(context: CommandContext) async throws -> ExitCode {
    let answers = try readAnswers()
    if let (hosts, agent) = RemoteAgentOutput.lookup(reference, context) {
      return try await RemoteAgentOutput.answer(
        agent, hosts: hosts, answers: answers, provider: providerName, requestID: request, wait: waits,
        timeout: timeout, context: context)
    }
    let manager = try context.agentManager()
    let record = try manager.answer(reference, answers, provider: providerName, requestID: request)
    if waits {
      if !context.json { context.console.write(record.name + "\n") }
      let settled = try await manager.wait(record.id, timeout: timeout)
      return AgentOutput.reportSettled(settled, context: context)
    }
    AgentOutput.reportStarted(record, context: context)
    return .success
  }

  private func readAnswers() throws -> Answers {
    if freeText == "-" {
      return .freeText(String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self))
    }
    if !freeText.isEmpty { return .freeText(freeText) }
    var byID: [String: String] = [:]
    if let file {
      let data = try UserFile.read(file, as: "the answers file")
      let object: JSONObject
      do {
        guard let parsed = try JSONParser.parse(data).objectValue else {
          throw AgentError(
            .invalidAnswer, "the answers file \(file) must hold a JSON object like {\"q1\":\"yes\"}")
        }
        object = parsed
      } catch let error as AgentError { throw error } catch {
        throw AgentError(.invalidAnswer, "the answers file \(file) is not valid JSON: \(error)")
      }
      for (key, value) in zip(object.keys, object.values) {
        guard let text = value.stringValue else {
          throw AgentError(.invalidAnswer, "the answer to \(key) in \(file) must be a string")
        }
        byID[key] = text
      }
      if byID.isEmpty { throw AgentError(.invalidAnswer, "the answers file \(file) holds no answers") }
      return .byID(byID)
    }
    for pair in pairs {
      guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
        throw CLIError.usage(
          "invalid_value", "invalid answer \"\(pair.prefix(80))\": expected ID=TEXT, e.g. --answer q1=yes")
      }
      byID[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
    }
    return .byID(byID)
  }
}
