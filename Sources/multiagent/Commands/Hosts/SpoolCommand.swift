import Foundation
import JSONKit
import MultiAgent

/// `multiagent __spool`: what a controller asks this machine, as a host, for its remote agents — the
/// request (JSON) on standard input, the answer (JSON) on standard output; see `SpoolRequest`.
/// Hidden: only a controller's `multiagent` calls it, over SSH. The user's alone.
struct SpoolCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    name: Hosts.spoolCommand, abstract: "Answer a controller's spool request (standard input, JSON).",
    isHidden: true)

  init(arguments: ParsedArguments) {}

  func run(context: CommandContext) async throws -> ExitCode {
    try context.requireUserAuthority(for: "spools")
    let input = FileHandle.standardInput.readDataToEndOfFile()
    guard input.count <= 1 << 20, let value = try? JSONParser.parse([UInt8](input)),
      let request = SpoolRequest(json: value)
    else {
      throw CLIError.usage(
        "invalid_request", "standard input holds no spool request",
        hint: "\(Hosts.spoolCommand) is for multiagent itself: a controller asks it over SSH")
    }
    let manager = try context.agentManager(reconciling: false)
    AgentOutput.writeJSON(try manager.spool(request).jsonValue, to: context.console)
    return .success
  }
}
