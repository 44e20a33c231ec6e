import JSONKit
import Foundation
import MultiAgent
import ProviderKit

/// `multiagent spawn --provider P [options] PROMPT…`: starts an agent and returns at once.
struct SpawnCommand: ParsableCommand {
  static let provider = Option<String>(
    "provider", short: "p", valueName: "name", help: "The provider to run (see `multiagent providers`).")
  static let name = Option<String>(
    "name", valueName: "name", help: "The agent's name (default: a generated one like bold-otter).")
  static let cwd = Option<String>(
    "cwd", valueName: "dir", help: "The repository (or, with --no-worktree, the directory) to work in.")
  static let base = Option<String>(
    "base", valueName: "ref", help: "The commit the agent's branch starts from (default: HEAD).")
  static let noWorktree = Flag(
    "no-worktree", help: "Run in --cwd itself instead of a new worktree (need not be a git repository).")
  static let input = Option<String>(
    "input", valueName: "file",
    help: "A context file to copy into the agent's state dir (repeatable; a regular file, or a link to one).",
    repeatable: true)
  static let model = Option<String>(
    "model", valueName: "model", help: "The model, for providers with a model flag.")
  static let arg = Option<String>(
    "arg", valueName: "arg",
    help: "An extra argument for the provider's CLI (repeatable; --arg --flag works).",
    repeatable: true, allowsDashValue: true, expected: "an argument"
  ) { $0 }
  static let task = Option<String>("task", valueName: "id", help: "A task id of yours, kept with the agent.")
  static let parent = Option<String>(
    "parent", valueName: "agent",
    help: "The agent that spawns this one (name or id; implicit inside an agent).")
  static let detachFromParent = Flag(
    "detach-from-parent",
    help: "Keep running when the parent completes or fails (stopping or deleting the parent still does).")
  static let promptFile = Option<String>(
    "prompt-file", valueName: "file", help: "Read the prompt from this file.")
  static let account = Option<String>(
    "account", valueName: "id",
    help: "Run on this account (id or label); it is not rotated unless --rotate is also given.")
  static let rotate = Flag(
    "rotate", help: "With --account: start there, but rotate to other accounts when it is exhausted.")
  static let fallback = Option<String>(
    "fallback", valueName: "providers",
    help: "Continue on these providers (comma-separated, in order) when this one cannot go on "
      + "(default: \"fallback\" in <home>/config.json).",
    repeatable: true)
  static let noFallback = Flag("no-fallback", help: "Never continue on another provider.")
  static let noReport = Flag(
    "no-report",
    help: "Inside an agent: do not report to the parent when this agent settles (then the parent's "
      + "completion stops it, unless --detach-from-parent).")
  static let wait = Flag("wait", help: "Wait until the agent finishes or asks questions; exit like `wait`.")
  static let follow = Flag("follow", help: "Stream the agent's log until it settles; exit like `wait`.")
  static let maxRunning = Option<Int>(
    "max-running", valueName: "n",
    help: "Start at once only if fewer than N agents are starting or running (else queue it); "
      + "overrides limits.maxRunning of <home>/config.json for this agent.",
    expected: "a whole number of at least 1"
  ) { Int($0).flatMap { $0 >= 1 ? $0 : nil } }
  static let host = Option<String>(
    "host", valueName: "name",
    help:
      "Run the agent on this host (see `multiagent hosts`), or on `auto`: the host with the fewest agents.")
  static let prompt = Argument(
    name: "prompt", help: "The task, as words joined by spaces, or - to read it from stdin.", arity: .variadic
  )

  static let configuration = CommandConfiguration(
    name: "spawn",
    abstract: "Start an agent on a provider; returns at once and prints its name.",
    discussion: """
      The agent runs the provider's CLI headless, in a new git worktree <home>/worktrees/<name> on
      branch multiagent/<name> (from --base, default HEAD of the repository containing --cwd), under a
      supervisor process that keeps going after this command exits. With --no-worktree it runs in
      --cwd itself. With --json the agent's record is printed.

      Limits in <home>/config.json ({"limits": {"maxRunning": 2, "perProvider": {"claude": 1},
      "perAccount": {"<account id>": 1}}}) or --max-running cap how many agents are starting or
      running at once; a spawn over a limit is recorded as queued and starts, oldest first, when a
      slot frees (waiting_for_input and waiting_for_account hold no slot).

      Run inside an agent (MULTIAGENT_AGENT_ID and MULTIAGENT_TOKEN set, as multiagent sets them for
      every agent's CLI), the new agent is that agent's child; from a terminal, --parent names one.
      A child is stopped when its parent completes or fails, unless spawned with --detach-from-parent,
      and always when its parent is stopped or deleted. A child spawned from inside an agent reports
      to it when it settles: "[multiagent] child NAME completed: <result>" (or failed, or waiting for
      input with its questions) reaches the parent's session — at once when it runs live, else with
      its next turn — and a parent whose run ends while such children still run waits for their
      reports instead of completing (--no-report turns this off).

      When every account of the provider is exhausted and the earliest reset is further away than
      rotation.fallbackAfter (default 10 minutes), or its CLI cannot start or log in, an agent with
      fallback providers (--fallback codex,gemini, or {"fallback": {"claude": ["codex"]}} in
      <home>/config.json) continues on the next one in the same worktree, with a handoff prompt
      (the task, the answers so far, what was done and what was in progress); `show` lists its runs.

      With --host NAME the agent runs on that host: multiagent is installed or updated there, the
      base commit is pushed to the host's copy of the repository, and the host's own multiagent
      spawns it; `list`, `show`, `logs`, `wait`, `stop` and `delete` then work on it from here, and
      its branch is fetched back when it settles. When this machine has accounts for the provider,
      one is leased to the host (--account, else the least recently used free one) and placed in
      its multiagent home; a refreshable login goes to one host at a time. The agent rotates there:
      when it waits for an account, the next look from here (list, show, wait) lends it another,
      and an account the host stops using comes back. Without accounts here, the host's own are used.
      --input files are checked here as for a local agent, before anything is sent, then sent over the
      host's SSH connection to a private staging folder there, from which the host's spawn copies
      them into the agent's inputs; the folder is removed afterwards. --no-worktree, --parent and
      --detach-from-parent cannot be used with --host.

      Exit codes: 0 started (with --wait/--follow: as `multiagent wait`), 1 failure, 2 usage error,
      77 forbidden (a token that is not the agent's, or --parent naming another agent).
      """,
    options: [
      provider, name, cwd, base, noWorktree, input, model, arg, task, parent, detachFromParent, promptFile,
      account, rotate, fallback, noFallback, noReport, wait, AgentOutput.timeout, follow, maxRunning, host,
    ],
    arguments: [prompt]
  )

  let providerName: String
  let agentName: String?
  let directory: String?
  let baseRef: String?
  let useWorktree: Bool
  let inputs: [String]
  let modelName: String?
  let extraArguments: [String]
  let taskID: String?
  let parentReference: String?
  let detaches: Bool
  let promptFilePath: String?
  let accountReference: String?
  let rotates: Bool
  let reports: Bool?
  /// `nil`: the config's fallback; `[]`: none.
  let fallbackProviders: [String]?
  let promptWords: [String]
  let waits: Bool
  let follows: Bool
  let timeout: Duration?
  let maxRunningLimit: Int?
  let hostName: String?
  /// The supervisor ``prepare(context:)`` started ahead.
  private var supervisorAhead: PendingSupervisor?
  /// The agent ``prepare(context:)`` started (or the error that stopped it), for ``run(context:)``.
  private var startedAhead: Result<Started, any Error>?
  /// Whether ``prepare(context:)`` printed the agent's name already (it began a wait it left to
  /// ``run(context:)``).
  var printedName = false

  /// A recorded agent whose supervisor was told to go (or that was queued).
  struct Started: Sendable {
    let record: AgentRecord
    let manager: AgentManager
  }

  init(arguments: ParsedArguments) throws {
    guard let provider = try arguments.value(Self.provider) else {
      throw CLIError.usage(
        "missing_option", "missing --provider", hint: "usage: multiagent spawn --provider NAME PROMPT…")
    }
    providerName = provider
    agentName = try arguments.value(Self.name)
    directory = try arguments.value(Self.cwd)
    baseRef = try arguments.value(Self.base)
    useWorktree = !arguments.isSet(Self.noWorktree)
    inputs = try arguments.values(Self.input)
    modelName = try arguments.value(Self.model)
    extraArguments = try arguments.values(Self.arg)
    taskID = try arguments.value(Self.task)
    parentReference = try arguments.value(Self.parent)
    detaches = arguments.isSet(Self.detachFromParent)
    promptFilePath = try arguments.value(Self.promptFile)
    accountReference = try arguments.value(Self.account)
    rotates = arguments.isSet(Self.rotate)
    reports = arguments.isSet(Self.noReport) ? false : nil
    if rotates && accountReference == nil {
      throw CLIError.usage("conflicting_options", "--rotate needs --account")
    }
    let fallbackWords = try arguments.values(Self.fallback)
    let fallbacks = fallbackWords.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }.map {
      $0.trimmingCharacters(in: .whitespaces)
    }
    if fallbacks.contains("") {
      throw CLIError.usage(
        "invalid_value", "--fallback takes provider names separated by commas, e.g. --fallback codex,gemini")
    }
    if arguments.isSet(Self.noFallback) {
      guard fallbacks.isEmpty else {
        throw CLIError.usage("conflicting_options", "--fallback and --no-fallback cannot be used together")
      }
      fallbackProviders = []
    } else {
      fallbackProviders = fallbacks.isEmpty ? nil : fallbacks
    }
    promptWords = arguments.arguments(Self.prompt)
    waits = arguments.isSet(Self.wait)
    follows = arguments.isSet(Self.follow)
    timeout = try arguments.value(AgentOutput.timeout)?.secondsDuration
    maxRunningLimit = try arguments.value(Self.maxRunning)
    hostName = try arguments.value(Self.host)
    if hostName != nil {
      let unsupported: [(Bool, String)] = [
        (!useWorktree, "--no-worktree"), (parentReference != nil, "--parent"),
        (detaches, "--detach-from-parent"),
      ]
      if let (_, option) = unsupported.first(where: \.0) {
        throw CLIError.usage("conflicting_options", "\(option) cannot be used with --host yet")
      }
    }
    if waits && follows {
      throw CLIError.usage("conflicting_options", "--wait and --follow cannot be used together")
    }
    if timeout != nil && !waits && !follows {
      throw CLIError.usage("conflicting_options", "--timeout needs --wait or --follow")
    }
    if !useWorktree && baseRef != nil {
      throw CLIError.usage("conflicting_options", "--base needs a worktree; drop --no-worktree or --base")
    }
    if promptFilePath != nil && !promptWords.isEmpty {
      throw CLIError.usage(
        "conflicting_options", "give the prompt either as words or with --prompt-file, not both")
    }
  }

  /// Starts the agent on the main thread, as soon as the command line is read: its supervisor first
  /// (it loads itself meanwhile), then the checks, the record and its files, and the word to the
  /// supervisor. ``run(context:)`` only waits and reports, on the worker thread, which `main` starts
  /// after this: the agent's start does not wait for that thread, nor share the processors with it.
  mutating func prepare(context: CommandContext) -> ExitCode? {
    guard hostName == nil, let supervision = try? CommandContext.supervision() else { return nil }
    // Reaped by init once this process exited (a spawn that lives on has it reaped in `run`): the
    // usual reaping thread would be one more to wake and end when the process exits.
    supervisorAhead =
      StartUpSupervisor.take(supervision: supervision, home: context.home, provider: providerName)
      ?? AgentManager.prelaunchSupervisor(
        supervision, home: context.home, provider: providerName, reaping: .byCaller)
    let pending = supervisorAhead
    let outcome = Result { try start(pending: pending, context: context) }
    startedAhead = outcome
    guard case .success(let started) = outcome, let pending else { return nil }
    return waitHere(for: started, pending: pending, context: context)
  }

  func run(context: CommandContext) async throws -> ExitCode {
    if let hostName { return try await spawnRemote(on: hostName, context: context) }
    let pending: PendingSupervisor?
    let outcome: Result<Started, any Error>
    if let startedAhead {
      (pending, outcome) = (supervisorAhead, startedAhead)
    } else {
      let supervision = try CommandContext.supervision()
      pending = AgentManager.prelaunchSupervisor(
        supervision, home: context.home, provider: providerName, reaping: .byCaller)
      outcome = Result { try start(pending: pending, context: context) }
    }
    defer { pending?.cancel() }
    // Waiting or following, this process may outlive its supervisor (told to leave when the agent
    // was queued, or gone before this process heard of the settlement): no zombie meanwhile.
    if waits || follows { pending?.reapInBackground() }
    let started = try outcome.get()
    let (record, manager) = (started.record, started.manager)
    // The reconcile pass's repairs and queue. A waiting spawn whose agent started has them made once
    // the agent settled — by the supervisor it started ahead, or itself when that one was not told
    // to — not beside the CLI's start, where on 2 cores they slowed a real codex run by a few
    // milliseconds; a queued agent needs them first (a repair may free its slot).
    let reconcilesNow = maxRunningLimit == nil && (!waits || record.status == .queued)
    if reconcilesNow { manager.reconcile() }

    if waits {
      let code = try await waitForSettlement(of: record, manager: manager, pending: pending, context: context)
      if maxRunningLimit == nil && !reconcilesNow && !(pending?.reconcilesWhenSettled ?? false) {
        manager.reconcile()
      }
      return code
    }
    AgentOutput.reportStarted(record, context: context)
    if follows {
      let settled = try await ProgressLine.during(
        context, describe: WaitCommand.describe([record.id], manager)
      ) {
        try await AgentOutput.followLog(
          of: record, manager: manager, raw: false, context: context, follow: true, timeout: timeout)
      }
      return AgentOutput.exitCode(for: settled.status)
    }
    return .success
  }

  /// Validates, records and starts the agent (``AgentManager/spawn(_:maxRunning:supervisor:)``)
  /// with `pending`, the supervisor started ahead, if any.
  private func start(pending: PendingSupervisor?, context: CommandContext) throws -> Started {
    // A waiting spawn leaves its reconcile pass to the supervisor, which makes it once the agent
    // settled and this process heard of it: off the path to this command's exit.
    if waits && maxRunningLimit == nil { pending?.reconcileWhenSettled() }
    // Validate what needs no state first, so a mistake leaves nothing behind.
    let registry = try context.providerRegistry()
    _ = try registry.requireProvider(providerName)
    if let agentName, let problem = AgentNames.problem(with: agentName) {
      throw AgentError(.invalidName, problem)
    }
    let prompt = try readPrompt()
    guard !Self.isBlank(prompt) else {
      throw AgentError(
        .missingPrompt,
        "missing prompt: say what the agent should do (words, --prompt-file FILE, or - to read stdin)")
    }

    // The repairs of a reconcile pass wait until the agent is recorded and its supervisor told to
    // go: they are not on the new agent's path — unless a --max-running limit must count the agents
    // that really run.
    let manager = try context.agentManager(reconciling: maxRunningLimit != nil)
    // Inside an agent the parent is that agent; --parent may only name it (the manager checks).
    let parentID =
      try parentReference.map { reference throws(AgentError) in
        try manager.agent(reference, allowSelf: true).id
      } ?? manager.authority.agentID
    if detaches && parentID == nil {
      throw CLIError.usage(
        "conflicting_options",
        "--detach-from-parent needs a parent: give --parent, or spawn from inside an agent")
    }
    let record = try manager.spawn(
      SpawnOptions(
        provider: providerName, prompt: prompt, name: agentName, cwd: directory, base: baseRef,
        useWorktree: useWorktree, inputFiles: inputs, model: modelName, extraArguments: extraArguments,
        taskID: taskID, parentID: parentID, account: accountReference, rotate: rotates,
        detachFromParent: detaches, fallback: fallbackProviders, reportToParent: reports),
      maxRunning: maxRunningLimit,
      supervisor: pending)
    return Started(record: record, manager: manager)
  }

  /// `spawn --host NAME`: the agent runs there (see `RemoteAgentOutput`).
  private func spawnRemote(on hostName: String, context: CommandContext) async throws -> ExitCode {
    let prompt = try readPrompt()
    guard !Self.isBlank(prompt) else {
      throw AgentError(
        .missingPrompt,
        "missing prompt: say what the agent should do (words, --prompt-file FILE, or - to read stdin)")
    }
    var request = RemoteSpawnRequest(
      provider: providerName, prompt: prompt, name: agentName, cwd: directory, base: baseRef,
      model: modelName,
      extraArguments: extraArguments, taskID: taskID, account: accountReference, rotate: rotates)
    request.fallback = fallbackProviders
    request.maxRunning = maxRunningLimit
    request.inputFiles = inputs
    return try await RemoteAgentOutput.spawn(
      request, hostName: hostName, wait: waits, follow: follows, timeout: timeout, context: context)
  }

  /// The prompt from the words, `-` (stdin) or `--prompt-file`.
  private func readPrompt() throws -> String {
    if let promptFilePath {
      return String(decoding: try UserFile.read(promptFilePath, as: "the prompt file"), as: UTF8.self)
    }
    if promptWords == ["-"] {
      return String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
    }
    return promptWords.joined(by: " ")
  }

  /// Whether `text` is only white space (what trimming it would leave empty): decided at the first
  /// character that is not, without Foundation.
  static func isBlank(_ text: String) -> Bool {
    text.unicodeScalars.allSatisfy(\.properties.isWhitespace)
  }
}
