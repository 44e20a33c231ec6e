import Synchronization

/// What a process run to completion by ``ProcessRunner`` printed, and how it ended.
public struct ProcessOutput: Sendable, Hashable {
  /// Why a run ended before the process did.
  public enum Interruption: Sendable, Hashable {
    /// The time limit passed.
    case timedOut
    /// The task awaiting the run was cancelled.
    case cancelled
  }

  /// How the process ended; a non-zero exit or a signal is a result, not an error.
  public var exit: ExitStatus
  /// Everything it wrote to standard output (up to the run's output limit).
  public var standardOutput: [UInt8]
  /// Everything it wrote to standard error (up to the run's output limit).
  public var standardError: [UInt8]
  /// Set when the run stopped the process (its group: SIGTERM, a grace period, then SIGKILL)
  /// before it exited by itself; `nil` when it exited by itself.
  public var interruption: Interruption?

  /// Creates a result.
  public init(
    exit: ExitStatus, standardOutput: [UInt8], standardError: [UInt8], interruption: Interruption? = nil
  ) {
    self.exit = exit
    self.standardOutput = standardOutput
    self.standardError = standardError
    self.interruption = interruption
  }

  /// ``standardOutput`` decoded as UTF-8 (invalid bytes replaced).
  public var standardOutputText: String { String(decoding: standardOutput, as: UTF8.self) }
  /// ``standardError`` decoded as UTF-8 (invalid bytes replaced).
  public var standardErrorText: String { String(decoding: standardError, as: UTF8.self) }
}

/// Runs a command to completion and captures its output: the short-lived helpers (`git`, `curl`, a
/// CLI's `--version`), started by the same ``ProcessLauncher`` as long-running agents.
///
/// An argv array, never a shell. The child gets exactly the environment given (plus
/// `MULTIAGENT_SPAWN_ID`), runs in a new session and process group, and inherits no descriptor but
/// its standard input (`/dev/null`, or a pipe fed `standardInput`) and the two output pipes. The
/// run ends when the process exits: output a descendant writes after that is not waited for.
public struct ProcessRunner: Sendable {
  let launcher: ProcessLauncher
  let streams: any ChildStreams
  let terminator: ProcessTerminator

  /// A runner for this machine.
  public init() {
    self.init(launcher: ProcessLauncher(), streams: SystemChildStreams(), terminator: ProcessTerminator())
  }

  init(launcher: ProcessLauncher, streams: any ChildStreams, terminator: ProcessTerminator) {
    self.launcher = launcher
    self.streams = streams
    self.terminator = terminator
  }

  /// Runs `executable` with `arguments` and waits for it to exit, blocking the calling thread.
  ///
  /// - Parameters:
  ///   - executable: A name looked up on `environment["PATH"]` (see
  ///     ``ProcessLauncher/resolveExecutable(_:environment:workingDirectory:)``), or a path. It is
  ///     also `argv[0]`.
  ///   - arguments: The arguments after `argv[0]`.
  ///   - environment: The child's complete environment.
  ///   - workingDirectory: The directory to start in; `nil` for the caller's.
  ///   - standardInput: Bytes written to the child's standard input, which is then closed; `nil`
  ///     for `/dev/null`. Secrets belong here, never in `arguments` (other users can read argv).
  ///   - timeout: How long the process may run; `nil` for no limit. When it passes, the process
  ///     group gets SIGTERM, `terminationGrace` to exit, then SIGKILL.
  ///   - terminationGrace: How long a process past its time limit gets after SIGTERM.
  ///   - outputLimit: At most this many bytes are kept of each output; the rest is read and dropped.
  /// - Returns: how it ended and what it printed. A non-zero exit is a result, not an error.
  /// - Throws: ``ProcessError`` when it cannot be started (``ProcessError/Code/executableNotFound``
  ///   names the executable and the `PATH` searched), its pipes cannot be made, or it cannot be
  ///   reaped (``ProcessError/Code/notAChild`` when another `waitpid` of this process took it).
  public func run(
    _ executable: String, arguments: [String] = [], environment: [String: String],
    workingDirectory: String? = nil, standardInput: [UInt8]? = nil, timeout: Duration? = nil,
    terminationGrace: Duration = .seconds(1), outputLimit: Int = .max
  ) throws(ProcessError) -> ProcessOutput {
    let request = Request(
      configuration: ProcessLaunchConfiguration(
        executable: executable, arguments: arguments, environment: environment,
        workingDirectory: workingDirectory),
      input: standardInput, timeout: timeout, grace: terminationGrace, outputLimit: outputLimit)
    return try run(request, cancelled: { false })
  }

  /// Runs `executable` with `arguments` and waits for it to exit, on a thread of its own so that no
  /// task blocks. Cancelling the task stops the process as a time limit would.
  ///
  /// - Parameters: as ``run(_:arguments:environment:workingDirectory:standardInput:timeout:terminationGrace:outputLimit:)``.
  /// - Returns: how it ended and what it printed; ``ProcessOutput/interruption`` is
  ///   ``ProcessOutput/Interruption/cancelled`` when the task was cancelled first.
  /// - Throws: as the blocking variant.
  public func run(
    _ executable: String, arguments: [String] = [], environment: [String: String],
    workingDirectory: String? = nil, standardInput: [UInt8]? = nil, timeout: Duration? = nil,
    terminationGrace: Duration = .seconds(1), outputLimit: Int = .max
  ) async throws(ProcessError) -> ProcessOutput {
    let request = Request(
      configuration: ProcessLaunchConfiguration(
        executable: executable, arguments: arguments, environment: environment,
        workingDirectory: workingDirectory),
      input: standardInput, timeout: timeout, grace: terminationGrace, outputLimit: outputLimit)
    let cancelled = Atomic<Bool>(false)
    let result: Result<ProcessOutput, ProcessError> = await withTaskCancellationHandler {
      await withCheckedContinuation { continuation in
        launcher.control.runOnDedicatedThread {
          continuation.resume(
            returning: Result { () throws(ProcessError) in
              try run(request, cancelled: { cancelled.load(ordering: .relaxed) })
            })
        }
      }
    } onCancel: {
      cancelled.store(true, ordering: .relaxed)
    }
    return try result.get()
  }

  /// One run: what to start, what to feed it, and its limits.
  struct Request: Sendable {
    var configuration: ProcessLaunchConfiguration
    var input: [UInt8]?
    var timeout: Duration?
    var grace: Duration
    var outputLimit: Int
  }

  private func run(_ request: Request, cancelled: () -> Bool) throws(ProcessError) -> ProcessOutput {
    var pipes = try streams.open(withInput: request.input != nil)
    defer { pipes.closeAll(streams) }
    var configuration = request.configuration
    if let input = pipes.childInput { configuration.standardInput = .descriptor(input) }
    configuration.output = .descriptors(standardOutput: pipes.childOutput, standardError: pipes.childError)
    let pid = try launcher.launch(configuration).pid
    pipes.closeChildEnds(streams)

    var exchange = PipeExchange(
      input: pipes.input, output: pipes.output, error: pipes.error, pending: request.input ?? [],
      limit: max(request.outputLimit, 0))
    let deadline = request.timeout.map { ContinuousClock.now.advanced(by: $0) }
    let ending = streams.exchange(&exchange, untilExitOf: pid, deadline: deadline, cancelled: cancelled)
    var interruption: ProcessOutput.Interruption?
    if ending != .exited {
      interruption = ending == .cancelled ? .cancelled : .timedOut
      // The leader is not reaped yet, so its group id cannot have been reused meanwhile.
      _ = terminator.terminateGroupBlocking(pid, grace: request.grace)
      streams.drainAvailable(&exchange)
    }
    pipes.adoptClosures(from: exchange)
    let exit = try launcher.waitForExit(pid)
    return ProcessOutput(
      exit: exit, standardOutput: exchange.standardOutput, standardError: exchange.standardError,
      interruption: interruption)
  }
}

/// The parent's ends of a run's pipes, and the child's until they are handed over; -1 when closed.
struct RunPipes {
  var input: Int32 = -1
  var output: Int32 = -1
  var error: Int32 = -1
  var childInput: Int32?
  var childOutput: Int32 = -1
  var childError: Int32 = -1

  /// Closes the child's ends in this process, once the child holds its own copies.
  mutating func closeChildEnds(_ streams: any ChildStreams) {
    for descriptor in [childInput ?? -1, childOutput, childError] where descriptor >= 0 {
      streams.close(descriptor)
    }
    childInput = nil
    childOutput = -1
    childError = -1
  }

  /// Forgets the parent's ends the exchange closed already.
  mutating func adoptClosures(from exchange: PipeExchange) {
    input = exchange.input
    output = exchange.output
    error = exchange.error
  }

  /// Closes whatever is still open.
  mutating func closeAll(_ streams: any ChildStreams) {
    closeChildEnds(streams)
    for descriptor in [input, output, error] where descriptor >= 0 { streams.close(descriptor) }
    input = -1
    output = -1
    error = -1
  }
}

/// The state of feeding a child and collecting its output; a descriptor is -1 once closed.
struct PipeExchange {
  /// The parent's write end of the child's standard input.
  var input: Int32
  /// The parent's read end of the child's standard output.
  var output: Int32
  /// The parent's read end of the child's standard error.
  var error: Int32
  /// Input not yet written.
  var pending: [UInt8]
  /// At most this many bytes are kept of each output.
  var limit: Int
  var standardOutput: [UInt8] = []
  var standardError: [UInt8] = []
}

/// How an exchange ended.
enum ExchangeEnding: Sendable, Equatable {
  /// The child exited (it is left for the caller to reap).
  case exited
  /// The deadline passed first.
  case timedOut
  /// The caller asked to stop first.
  case cancelled
}

/// The platform's pipes to and from a child run to completion.
protocol ChildStreams: Sendable {
  /// Makes close-on-exec pipes for standard output and error, and for standard input when
  /// `withInput`; the parent's ends are non-blocking.
  func open(withInput: Bool) throws(ProcessError) -> RunPipes
  /// Closes a descriptor.
  func close(_ descriptor: Int32)
  /// Writes the pending input (then closes it; a child that stops reading just gets less) and reads
  /// both outputs, until the child `pid` exits (then reads what is already in the pipes), the
  /// deadline passes, or `cancelled` says so. Never reaps the child.
  func exchange(
    _ exchange: inout PipeExchange, untilExitOf pid: Int32, deadline: ContinuousClock.Instant?,
    cancelled: () -> Bool
  ) -> ExchangeEnding
  /// Reads what the pipes hold now, without waiting, and closes them.
  func drainAvailable(_ exchange: inout PipeExchange)
}
