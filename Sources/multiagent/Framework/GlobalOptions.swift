/// Options every command accepts, anywhere on the command line.
struct GlobalOptions: Sendable, Hashable {
  /// `--home DIR`: the state home, overriding `$MULTIAGENT_HOME`.
  static let home = Option<String>(
    "home", valueName: "dir", help: "The state home (default: $MULTIAGENT_HOME, else ~/.multiagent).")
  /// `--json`: machine-readable output.
  static let json = Flag("json", help: "Print JSON on stdout (errors too, as {\"error\":{…}}).")
  /// `--version`.
  static let version = Flag("version", help: "Print the version and exit.")
  /// `-h`, `--help`.
  static let help = Flag("help", short: "h", help: "Show help for the command.")

  /// Every global option, in the order help lists them.
  static let all: [any OptionDeclaration] = [home, json, version, help]

  /// The value of `--home`, if given.
  var home: String?
  /// Whether `--json` was given.
  var json = false
  /// Whether `--version` was given.
  var version = false
  /// Whether `--help` or `-h` was given.
  var help = false
}
