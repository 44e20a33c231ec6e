import MultiAgent

/// What a running command gets from the CLI: global options, the environment, the state home and
/// where to write.
struct CommandContext: Sendable {
  /// The global options (`--home`, `--json`).
  var globals: GlobalOptions
  /// The process environment.
  var environment: [String: String]
  /// The state home, resolved but not created: commands that write call `StateHome.create()`.
  var home: StateHome
  /// Standard output and error.
  var console: Console
  /// The command being run, root first.
  var commandPath: CommandPath

  /// Whether output is JSON.
  var json: Bool { globals.json }
}
