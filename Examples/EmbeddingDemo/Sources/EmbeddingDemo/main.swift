import Foundation
import MultiAgent
import ProviderKit
import Providers

// embedding-demo run [--supervision in-process|detached]  the demo (a throwaway home and repository)
// embedding-demo __supervise <words>                       a detached supervisor this program started
// embedding-demo fake-cli …                                this program playing the tally agent CLI

/// This program's path: the tally CLI and the detached supervisors are this program.
let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path

/// The built-in providers plus tally — the same registry for the manager and for its supervisors.
func makeRegistry() throws -> ProviderRegistry {
  var registry = try BuiltinProviders.registry()
  registry.register(TallyProvider(executable: executable))
  return registry
}

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "__supervise":
  exit(Supervisor.main(arguments: Array(arguments.dropFirst()), registry: try makeRegistry()))
case "fake-cli":
  exit(FakeTallyCLI.run(Array(arguments.dropFirst())))
case "run":
  let mode = arguments.drop { $0 != "--supervision" }.dropFirst().first ?? "in-process"
  let supervision: Supervision =
    mode == "detached" ? .detached(executable: executable, arguments: ["__supervise"]) : .inProcess
  let scratch = try Scratch()
  // Removed before `exit`, which runs no `defer`: whatever the outcome, a thrown error included.
  let code: Int32
  do {
    let demo = Demo(
      supervision: supervision, registry: try makeRegistry(), home: StateHome(path: scratch.home),
      repository: scratch.repository)
    code = try await demo.run()
  } catch {
    scratch.remove()
    throw error
  }
  scratch.remove()
  exit(code)
default:
  FileHandle.standardError.write(Data("usage: embedding-demo run [--supervision in-process|detached]\n".utf8))
  exit(2)
}
