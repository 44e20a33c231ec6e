import Foundation
import MultiAgent
import ProviderKit

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

// Everything this process, the supervisors it starts and their provider CLIs create is the user's
// alone (files 0600, folders 0700): the state files are made so explicitly, and the mask covers what
// others create — git's worktree checkout and the files an agent's CLI writes (its signal file, its
// config dir, its work). Group and others get nothing from any umask the user runs with.
umask(0o077)

// `multiagent __supervise <words>`: a detached supervisor this executable started for one of its
// agents (see `CommandContext.supervision`); the library parses its own words.
if CommandLine.arguments.dropFirst().first == CommandContext.superviseCommand {
  exit(Supervisor.main(arguments: Array(CommandLine.arguments.dropFirst(2))))
}

let exitCode = await CommandLineTool.run(
  arguments: Array(CommandLine.arguments.dropFirst()), environment: ProcessEnvironment.current)
exit(exitCode.rawValue)
