/// Where one agent's files live: `<home>/agents/<id>/`.
public struct AgentPaths: Sendable, Hashable {
  /// The agent's state directory (0700).
  public let directory: String
  /// `<home>/held/<id>.json`: a question the agent's live CLI is waiting on (its request id and
  /// questions), while its supervisor holds it open; see `LiveSession`. Kept in one folder for the
  /// whole home, so that reconcile finds the held ones with one listing instead of loading every
  /// waiting agent.
  public let heldQuestion: String

  /// The folder of held questions (see ``heldQuestion``).
  static func heldDirectory(_ home: StateHome) -> String { home.path + "/held" }

  /// The paths of agent `id` under `home`.
  public init(home: StateHome, id: String) {
    directory = home.agentsDirectory + "/" + id
    heldQuestion = Self.heldDirectory(home) + "/" + id + ".json"
  }

  /// Raw provider output, stdout and stderr, append only: the source of truth.
  public var outputLog: String { directory + "/output.log" }
  /// The task as given to the agent, with the question-protocol preamble.
  public var prompt: String { directory + "/prompt.md" }
  /// Where the agent writes its signal (done / questions / error).
  public var signalFile: String { directory + "/signal.json" }
  /// The next run the supervisor must start (spawn or resume).
  public var runPlan: String { directory + "/run.json" }
  /// The prompt fed on stdin to CLIs that read it there.
  public var standardInput: String { directory + "/stdin.txt" }
  /// The supervisor's own diagnostics.
  public var supervisorLog: String { directory + "/supervisor.log" }
  /// The usage limit the current run hit (reset time and message), kept until the next run starts so
  /// that a supervisor that dies before continuing on the next account does not lose it.
  public var exhaustion: String { directory + "/exhaustion.json" }
  /// `launch-intent`: the spawn id of the CLI run being started (see `LaunchIntent`).
  public var launchIntent: String { directory + "/launch-intent" }
  /// `supervisor-intent`: the spawn id of the detached supervisor being started (see `LaunchIntent`).
  public var supervisorIntent: String { directory + "/supervisor-intent" }
  /// Context files copied in with `--input`.
  public var inputs: String { directory + "/inputs" }
  /// The agent's secret token in clear (0600), which the supervisor puts in the CLI's environment
  /// as `MULTIAGENT_TOKEN`; the database keeps only its SHA-256.
  public var token: String { directory + "/token" }
  /// `live-answer.json`: answers to the held question, written by `answer` for the supervisor to
  /// deliver into the same turn.
  public var liveAnswer: String { directory + "/live-answer.json" }
}
