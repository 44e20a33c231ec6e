import Foundation
import MultiAgent
import ProcessKit
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

// One malloc arena: the command's work runs on a worker thread, whose own arena would be reserved
// and then grown by `mprotect` calls as it fills.
MallocArenas.useOne()

// `multiagent __supervise <words>`: a detached supervisor this executable started for one of its
// agents (see `CommandContext.supervision`); the library parses its own words.
if CommandLine.arguments.dropFirst().first == CommandContext.superviseCommand {
  exit(Supervisor.main(arguments: Array(CommandLine.arguments.dropFirst(2))))
}

// The command runs on the concurrent executor and ends the process itself; the main thread only
// waits. (An `await` here would make this file an async main: the main thread would leave through
// `pthread_exit`, unwinding its stack, and the final `exit` would hop back to a main queue that no
// thread serves any more, starting a thread at the very end of every command.)
// The command line is read here, on the main thread: `--version` and `--help` end without a worker
// thread, and a spawn starts its agent here (its supervisor, its record, the word to go) before that
// thread starts to wait for it.
let arguments = Array(CommandLine.arguments.dropFirst())
// A spawn's supervisor, launched before the runtime started: the spawn's `prepare` takes it over.
if let launched = StartUpSupervisor.takeFromStartUp() { StartUpSupervisor.offer(launched) }
let handoff = CommandHandoff()
let startsWorkerLate = CommandHandoff.startsWorkerLate(arguments)
// The worker thread is started first, for most commands: its start (a new thread, and a processor
// woken for it) then overlaps the reading of the command line, which it waits for awake.
if !startsWorkerLate {
  Task.detached { [handoff] in
    let exitCode = await handoff.take().run()
    exit(exitCode.rawValue)
  }
}
let prepared = CommandLineTool.prepare(arguments: arguments, environment: ProcessEnvironment.current)
if let exitCode = prepared.exitCode { exit(exitCode.rawValue) }
// A supervisor the start-up launched for a spawn that did not take it (a remote host, say) exits.
StartUpSupervisor.release()
if startsWorkerLate {
  Task.detached { [prepared] in
    let exitCode = await prepared.run()
    exit(exitCode.rawValue)
  }
} else {
  handoff.give(prepared)
}
// The main thread takes the process's signals (the worker threads block them, and so, by now, may
// its own mask) and runs their handlers while it waits, as `dispatchMain` does: the full-screen
// views restore the terminal there before the signal ends the process.
var none = sigset_t()
sigemptyset(&none)
while true { sigsuspend(&none) }
