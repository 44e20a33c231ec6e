/// `multiagent`: the root of the command tree. A new command is one file, listed here.
struct RootCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    name: "multiagent",
    abstract: "Run coding-agent CLIs (claude, codex, gemini, …) as managed agents.",
    discussion: """
      State lives in the state home: --home DIR, else $MULTIAGENT_HOME, else ~/.multiagent.
      Agents, events and accounts may live in a shared PostgreSQL store instead of the home's
      state.db: --store postgres://…, else $MULTIAGENT_STORE. Controllers sharing a store stop,
      answer and repair only the agents of their own machine ($MULTIAGENT_MACHINE_ID, else
      /etc/machine-id).

      Exit codes: 0 success, 1 failure, 2 usage error, 3 waiting for input, 77 forbidden,
      124 timed out.
      """,
    subcommands: [
      SpawnCommand.self, ListCommand.self, TreeCommand.self, ShowCommand.self, LogsCommand.self,
      ResultCommand.self,
      QuestionsCommand.self, AnswerCommand.self, SendCommand.self, WaitCommand.self, WatchCommand.self,
      StopCommand.self,
      DeleteCommand.self,
      DismissCommand.self, EventsCommand.self, ReconcileCommand.self, CleanupCommand.self,
      ProvidersCommand.self, AccountsCommand.self, HostsCommand.self, DoctorCommand.self,
      CompletionsCommand.self, ManCommand.self, HelpCommand.self,
      CompleteCommand.self, SpoolCommand.self,
    ]
  )

  init(arguments: ParsedArguments) {}
}
