/// Options every command accepts, anywhere on the command line.
struct GlobalOptions: Sendable, Hashable {
  /// `--home DIR`: the state home, overriding `$MULTIAGENT_HOME`.
  static let home = Option<String>(
    "home", valueName: "dir", help: "The state home (default: $MULTIAGENT_HOME, else ~/.multiagent).")
  /// `--store URL`: a shared PostgreSQL store, overriding `$MULTIAGENT_STORE`.
  static let store = Option<String>(
    "store", valueName: "url",
    help: "A PostgreSQL URL (default: $MULTIAGENT_STORE, else the home's state.db).")
  /// `--json`: machine-readable output.
  static let json = Flag("json", help: "Print JSON on stdout (errors too, as {\"error\":{…}}).")
  /// `--version`.
  static let version = Flag("version", help: "Print the version and exit.")
  /// `-h`, `--help`.
  static let help = Flag("help", short: "h", help: "Show help for the command.")

  /// Every global option, in the order help lists them.
  static let all: [any OptionDeclaration] = [home, store, json, version, help]

  /// The value of `--home`, if given.
  var home: String?
  /// The value of `--store`, if given (it may hold a password: never print it).
  var store: String?
  /// Whether `--json` was given.
  var json = false
  /// Whether `--version` was given.
  var version = false
  /// Whether `--help` or `-h` was given.
  var help = false
}
