import Foundation
import ProviderKit
import ProcessKit
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// A supervisor started before its agent exists, so that its own start-up (loading the program,
/// the provider catalog and the database) overlaps the spawn's validation and bookkeeping instead
/// of following them: `spawn --wait` then costs little more than the bare CLI.
///
/// The supervisor waits on a socket (its descriptor 3) with its output going nowhere. ``go()``
/// tells it the agent is recorded: it then logs to the agent's `supervisor.log` and runs as
/// usual. Closing the socket without the word — ``cancel()``, the spawn failing, the spawning
/// process dying — makes it exit having touched nothing.
public final class PendingSupervisor: Sendable {
  /// The id the agent must be recorded under.
  public let agentID: String
  /// The supervisor process.
  public let identity: ProcessIdentity
  /// Our end of the socket; -1 once the word was given or the wait cancelled.
  private let socket: Mutex<Int32>
  /// Whether the word asks for a reconcile pass once the agent settled, and whether it was given.
  private let reconcile = Mutex((asked: false, told: false))
  /// Whether the supervisor is this process's child still to be reaped by a background thread
  /// (launched with ``ChildReaping/byCaller``, see ``reapInBackground()``).
  private let unreaped: Mutex<Bool>

  /// The word the supervisor waits for.
  static let goWord = "go\n"
  /// The word that also asks the supervisor for a reconcile pass once its agent settled.
  static let goAndReconcileWord = "go+reconcile\n"

  init(agentID: String, identity: ProcessIdentity, socket: Int32, unreaped: Bool) {
    self.agentID = agentID
    self.identity = identity
    self.socket = Mutex(socket)
    self.unreaped = Mutex(unreaped)
  }

  /// Asks the supervisor, with the word, to make the reconcile pass once its agent settled (see
  /// ``AgentManager/reconcile()``), in its own process after it said so: for a caller that waits
  /// for the agent and would make the pass itself, off the path to its own exit. Ask before
  /// ``AgentManager/spawn(_:maxRunning:supervisor:)``.
  public func reconcileWhenSettled() {
    reconcile.withLock { $0.asked = true }
  }

  /// Whether the supervisor was told to go and to make the reconcile pass once its agent settled
  /// (``reconcileWhenSettled()``): if not, the caller makes the pass itself.
  public var reconcilesWhenSettled: Bool { reconcile.withLock { $0.told } }

  deinit { cancel() }

  /// Starts `executable arguments…` (a supervisor's words ending in `--await-start … ID`) detached,
  /// waiting for the word on its descriptor 3, reaped as `reaping` says.
  ///
  /// - Returns: `nil` when it cannot be started; the spawn then starts its supervisor afterwards.
  static func launch(
    agentID: String, executable: String, arguments: [String], environment: [String: String],
    reaping: ChildReaping = .inBackground()
  ) -> PendingSupervisor? {
    var pair: [Int32] = [-1, -1]
    guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0
    else {
      return nil
    }
    defer { close(pair[1]) }
    var configuration = ProcessLaunchConfiguration(
      executable: executable, arguments: arguments, environment: environment, workingDirectory: "/",
      standardInput: .null, output: .null)
    configuration.descriptor3 = pair[1]
    // Recorded with the agent, milliseconds from now: its exec overlaps the spawn's validation.
    configuration.awaitsExec = false
    guard let identity = try? ProcessLauncher().launchDetached(configuration, reaping: reaping) else {
      close(pair[0])
      return nil
    }
    let unreaped = if case .byCaller = reaping { true } else { false }
    return PendingSupervisor(agentID: agentID, identity: identity, socket: pair[0], unreaped: unreaped)
  }

  /// Reaps the supervisor, once it exits, on a background thread of this process — for a supervisor
  /// started ahead with ``ChildReaping/byCaller`` by a caller that lives on (it waits for the agent,
  /// or the agent was queued and this supervisor told to leave): without it, a supervisor that
  /// exits first stays a zombie until the caller exits. Does nothing for one reaped already.
  ///
  /// A caller that exits soon after the agent settled (the command-line tool's `spawn --wait`) need
  /// not: its supervisor is then reparented and reaped by init, and the caller's exit has no
  /// reaping thread to wake and end — a few tenths of a millisecond on a virtual machine whose
  /// other processor sleeps.
  public func reapInBackground() {
    let due = unreaped.withLock { unreaped in
      defer { unreaped = false }
      return unreaped
    }
    if due { ProcessLauncher().reapInBackground(identity.pid) }
  }

  /// Tells the supervisor its agent is ready. The socket stays open: the supervisor closes its end
  /// once the agent settled (see ``settled(within:)``).
  ///
  /// - Returns: whether it was still there to hear it (else start another one).
  func go() -> Bool {
    let asked = reconcile.withLock { $0.asked }
    return socket.withLock { descriptor in
      guard descriptor >= 0 else { return false }
      let word = Array((asked ? Self.goAndReconcileWord : Self.goWord).utf8)
      if send(descriptor, word, word.count, Int32(MSG_NOSIGNAL)) == word.count {
        reconcile.withLock { $0.told = asked }
        return true
      }
      close(descriptor)
      descriptor = -1
      return false
    }
  }

  /// Returns once the supervisor reports the agent settled (or is gone, or was never told to go),
  /// or after `timeout`; read the record either way (``AgentManager/wait(_:timeout:)``).
  public func settled(within timeout: Duration?) async {
    await awaitBlocking { _ = self.waitUntilSettled(timeout: timeout) }
  }

  /// Blocks the calling thread until the supervisor reports the agent settled (or is gone), or
  /// `timeout` passes: ``settled(within:)`` for a caller with no executor to wait on (read the
  /// record either way).
  ///
  /// The supervisor also sends a pidfd of each CLI it starts (``ExitHandoff``): when that CLI
  /// exits, this wait stops sleeping for a few milliseconds and polls instead, so that it is
  /// running when the supervisor's word comes. A process woken from sleep on an idle machine takes
  /// a millisecond to run again here; woken with the supervisor, the two wake-ups overlap.
  ///
  /// - Returns: whether it did before the timeout.
  public func waitUntilSettled(timeout: Duration?) -> Bool {
    guard let descriptor = socket.withLock({ $0 >= 0 ? dup($0) : -1 }), descriptor >= 0 else { return true }
    defer { close(descriptor) }
    let deadline = timeout.map { ContinuousClock.now + $0 }
    var buffer = [UInt8](repeating: 0, count: 64)
    // The running CLI's pidfd (-1: none known), and until when to poll without sleeping.
    var cli: Int32 = -1
    defer { if cli >= 0 { close(cli) } }
    var awakeUntil: ContinuousClock.Instant?
    while true {
      let now = ContinuousClock.now
      var remaining: Int32 = -1
      if let deadline {
        let left = deadline - now
        if left <= .zero { return false }
        remaining = Int32(clamping: max(left.wholeMilliseconds, 1))
      }
      if let until = awakeUntil {
        if now < until { remaining = 0 } else { awakeUntil = nil }
      }
      // poll(2) skips a negative descriptor.
      var entries = [
        pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0),
        pollfd(fd: cli, events: Int16(POLLIN), revents: 0),
      ]
      let ready = poll(&entries, 2, remaining)
      if ready < 0 && errno == EINTR { continue }
      if ready < 0 { return true }
      if ready == 0 {
        if awakeUntil != nil { sched_yield() }
        continue
      }
      if entries[1].revents != 0 {
        // The CLI exited: its supervisor is settling the agent (or starting the next run).
        close(cli)
        cli = -1
        awakeUntil = ContinuousClock.now + Self.awakeAfterExit
      }
      if entries[0].revents != 0 {
        // Only the end of the stream means the agent settled (the supervisor closed its end, or died).
        let (count, pidfd) = ExitHandoff.receive(from: descriptor, into: &buffer)
        if count < 0 && errno == EINTR { continue }
        if count <= 0 {
          return true
        }
        if let pidfd {
          if cli >= 0 { close(cli) }
          cli = pidfd
          awakeUntil = nil
        }
      }
    }
  }

  /// How long ``waitUntilSettled(timeout:)`` stays awake after the CLI exited: the supervisor
  /// settles an agent in well under a millisecond; one that takes longer is waited for asleep.
  static let awakeAfterExit: Duration = .milliseconds(5)

  /// Makes the supervisor exit without doing anything (the spawn failed, or the agent was queued).
  public func cancel() {
    socket.withLock { descriptor in
      if descriptor >= 0 { close(descriptor) }
      descriptor = -1
    }
  }
}

extension Supervisor {
  /// For a supervisor started by ``PendingSupervisor``: loads the provider catalog (decoding
  /// `provider`, the one the spawn names) and opens the store while the spawn runs, waits for the
  /// word on `descriptor`, then sends its output to the agent's `supervisor.log`. The descriptor
  /// stays open until ``closeStartSocket()``.
  ///
  /// - Returns: the opened store when the word came, and whether it asked for a reconcile pass once
  ///   the agent settled; `nil` when the spawn gave up (exit quietly).
  static func awaitStart(
    home: StateHome, agentID: String, registry: ProviderRegistry?, provider: String? = nil,
    descriptor: Int32 = 3
  ) -> (store: AgentStore?, reconcile: Bool)? {
    let registry = registry ?? (try? home.providerRegistry())
    // Ahead of the word, what the run starts with that does not depend on the agent's record: its
    // provider's parser (the exhaustion rules are compiled once per process), the statement that
    // reads the record, this process's identity. After the word only the run itself is left.
    if let provider, let chosen = try? registry?.provider(named: provider) {
      _ = chosen.makeParser(context: ParserContext())
    }
    // The database is opened ahead only when it exists: a spawn that fails must not create a home.
    let store = !home.storeIsLocalFile || FileSystem.exists(home.database) ? try? AgentStore(home: home) : nil
    _ = try? store?.agent(id: agentID)
    _ = try? ProcessInspector().currentIdentity()
    // The status machine's tables (their first use scans the runtime's conformance records) and
    // the rotation settings' first read, both needed right after the word.
    _ = StatusChange.launch
    _ = AgentStatus.legalTransitions
    _ = try? RotationSettings.load(home: home)
    // The word usually follows within a millisecond or two: stay awake for it a while (a process
    // woken from sleep on an idle machine takes most of a millisecond to run again here).
    awaitReadable(descriptor, awake: awakeForWord)
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 16)
    while received.count < 16 {
      let count = read(descriptor, &buffer, buffer.count)
      if count < 0 && errno == EINTR { continue }
      guard count > 0 else { break }
      received += buffer[0..<count]
      if received.last == UInt8(ascii: "\n") { break }
    }
    let reconcile = received == Array(PendingSupervisor.goAndReconcileWord.utf8)
    guard reconcile || received == Array(PendingSupervisor.goWord.utf8) else {
      close(descriptor)
      return nil
    }
    startSocket.withLock { $0 = descriptor }
    // Never through a symbolic link: a supervisor log that is one is left alone (and not written).
    if let log = try? FileSystem.openForAppending(AgentPaths(home: home, id: agentID).supervisorLog) {
      dup2(log, 1)
      dup2(log, 2)
      close(log)
    }
    return (store ?? (try? AgentStore(home: home)), reconcile)
  }

  /// How long ``awaitStart(home:agentID:registry:provider:descriptor:)`` polls for the word without
  /// sleeping once it is ready: the spawn's own work, after its supervisor started, takes about as
  /// long as the supervisor's start-up; a spawn that makes a worktree is waited for asleep.
  static let awakeForWord: Duration = .milliseconds(3)

  /// Returns once `descriptor` has something to read (or `awake` passed): polled, yielding the
  /// processor between polls, instead of sleeping.
  private static func awaitReadable(_ descriptor: Int32, awake: Duration) {
    let until = ContinuousClock.now + awake
    var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
    while ContinuousClock.now < until {
      entry.revents = 0
      if poll(&entry, 1, 0) != 0 { return }
      sched_yield()
    }
  }

  /// Tells the spawn that started this supervisor ahead (if it waits) that the agent settled — the
  /// end of the stream on the socket ``awaitStart(home:agentID:registry:provider:descriptor:)`` kept
  /// open — then waits until that spawn is gone (its end closed), for at most ``spawnExitGrace``,
  /// before closing the socket.
  ///
  /// The wait hands the processor to the spawn. A waiting spawn is woken onto this process's
  /// processor when it is sent the CLI's pidfd, and the scheduler seldom moves a runnable process to
  /// an idle processor within milliseconds: without the wait, the spawn would print and exit only
  /// after this process had done its after-work (children, queue, the next spare folder) and
  /// exited. With it, the spawn runs first; the after-work is ready a few tenths of a millisecond
  /// later, when no one waits on it.
  static func closeStartSocket() {
    startSocket.withLock { descriptor in
      guard descriptor >= 0 else { return }
      if shutdown(descriptor, Int32(SHUT_WR)) == 0 {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let until = ContinuousClock.now + spawnExitGrace
        // Anything the spawn sends now is ignored: only its end matters.
        var buffer = [UInt8](repeating: 0, count: 64)
        while case let left = until - ContinuousClock.now, left > .zero {
          entry.revents = 0
          let ready = poll(&entry, 1, Int32(clamping: max(left.wholeMilliseconds, 1)))
          if ready < 0 && errno == EINTR { continue }
          guard ready > 0, entry.revents & Int16(POLLIN) != 0,
            recv(descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT)) > 0
          else { break }
        }
      }
      close(descriptor)
      descriptor = -1
    }
  }

  /// How long ``closeStartSocket()`` waits for a spawn to be gone after telling it the agent settled:
  /// a `spawn --wait` prints and exits within a millisecond or two; a program that keeps its
  /// ``PendingSupervisor`` longer delays this supervisor's after-work by no more than this.
  static let spawnExitGrace: Duration = .milliseconds(20)

  /// The socket to the spawn that started this supervisor ahead, from the word until the agent
  /// settled; -1 when there is none.
  private static let startSocket = Mutex<Int32>(-1)

  /// Sends the spawn that started this supervisor ahead (if it still listens) a pidfd of the CLI
  /// just started as `pid`, so that a `spawn --wait` wakes when it exits (``ExitHandoff``).
  static func announceLaunch(of pid: Int32) {
    startSocket.withLock { descriptor in
      if descriptor >= 0 { ExitHandoff.send(exitOf: pid, over: descriptor) }
    }
  }
}
