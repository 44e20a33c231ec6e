import Foundation
import MultiAgent
import ProviderKit

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

// `multiagent __supervise <words>`: a detached supervisor this executable started for one of its
// agents (see `CommandContext.supervision`); the library parses its own words.
if CommandLine.arguments.dropFirst().first == CommandContext.superviseCommand {
  exit(Supervisor.main(arguments: Array(CommandLine.arguments.dropFirst(2))))
}

let exitCode = await CommandLineTool.run(
  arguments: Array(CommandLine.arguments.dropFirst()), environment: ProcessEnvironment.current)
exit(exitCode.rawValue)
