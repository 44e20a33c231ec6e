import MultiAgent

/// How `spawn --wait` waits: on the main thread for a plain one (``waitHere(for:pending:context:)``),
/// else on the worker thread as `wait` does.
extension SpawnCommand {
  /// A plain `spawn --wait` (no progress line to draw, no timeout, not queued) waits for its
  /// supervisor's word on this thread and reports, and the process ends with no worker thread at
  /// all: none is made while the supervisor starts the CLI, and none is torn down at the end.
  ///
  /// - Returns: the exit code, or `nil` when the agent is not settled after the word (its supervisor
  ///   gone without settling it, or the agent answered meanwhile): ``run(context:)`` then waits as
  ///   `wait` does.
  mutating func waitHere(for started: Started, pending: PendingSupervisor, context: CommandContext)
    -> ExitCode?
  {
    guard waits, timeout == nil, maxRunningLimit == nil, started.record.status != .queued,
      !ProgressLine.isAvailable(context.environment)
    else { return nil }
    if !context.json { context.console.write(started.record.name + "\n") }
    printedName = true
    _ = pending.waitUntilSettled(timeout: nil)
    guard let record = try? started.manager.agent(started.record.id),
      record.status.isTerminal || record.status == .waitingForInput
    else {
      // The supervisor is gone without settling the agent (killed, say): looked at now, not at
      // the wait's first reconcile pass two seconds on.
      started.manager.reconcile()
      return nil
    }
    let exitCode = AgentOutput.reportSettled(record, context: context)
    // As ``run(context:)`` does: the reconcile pass the supervisor was not asked for, once reported.
    if !pending.reconcilesWhenSettled { started.manager.reconcile() }
    pending.cancel()
    return exitCode
  }

  /// `spawn --wait`: prints the name, waits until the agent settled (the supervisor started ahead
  /// says when; the record tells how) and reports it as `wait` does.
  func waitForSettlement(
    of record: AgentRecord, manager: AgentManager, pending: PendingSupervisor?, context: CommandContext
  ) async throws -> ExitCode {
    if !context.json && !printedName { context.console.write(record.name + "\n") }
    let started = ContinuousClock.now
    let settled = try await ProgressLine.during(context, describe: WaitCommand.describe([record.id], manager))
    {
      await pending?.settled(within: timeout)
      let remaining = timeout.map { max($0 - (ContinuousClock.now - started), .zero) }
      return try await manager.wait(record.id, timeout: remaining)
    }
    return AgentOutput.reportSettled(settled, context: context)
  }
}
