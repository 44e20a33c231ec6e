import Dispatch
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// The command `main.swift` read, handed from the main thread to the worker thread that runs it.
///
/// The worker thread is started before the command line is read, so that its start overlaps the
/// reading; it then waits for the command polling (awake) for a while, and asleep after that: a
/// thread woken from sleep on an idle processor takes a fraction of a millisecond to run again.
final class CommandHandoff: Sendable {
  private let command = Mutex<CommandLineTool.Prepared?>(nil)
  private let given = Atomic<Bool>(false)
  private let signal = DispatchSemaphore(value: 0)

  /// How long ``take()`` polls before it sleeps: reading a command line takes about a millisecond.
  static let awake: Duration = .milliseconds(10)

  /// Whether the worker thread is better started once `arguments` (after the program's name) were
  /// read, not ahead: when they certainly end there (a version, a help text, nothing to run), and
  /// for `spawn`, which starts its agent on the main thread while reading them
  /// (``SpawnCommand/prepare(context:)``) — a worker polling for the command meanwhile would only take
  /// a processor from the agent's supervisor starting beside it. (A word `spawn` elsewhere, an agent
  /// named so, only starts that thread a little later.)
  static func startsWorkerLate(_ arguments: [String]) -> Bool {
    arguments.isEmpty
      || arguments.contains {
        $0 == "--version" || $0 == "--help" || $0 == "-h" || $0 == "help" || $0 == "spawn"
      }
  }

  /// Hands over the command to run.
  func give(_ prepared: CommandLineTool.Prepared) {
    command.withLock { $0 = prepared }
    given.store(true, ordering: .releasing)
    signal.signal()
  }

  /// The command to run, once ``give(_:)`` handed it over.
  func take() -> CommandLineTool.Prepared {
    let until = ContinuousClock.now + Self.awake
    while !given.load(ordering: .acquiring) && ContinuousClock.now < until { sched_yield() }
    if !given.load(ordering: .acquiring) { signal.wait() }
    return command.withLock { $0! }
  }
}
