/// How an option is spelled and described: drives parsing, `--help` and error messages alike.
struct OptionSpec: Sendable, Hashable {
  /// The long name without dashes (`timeout` for `--timeout`).
  var long: String
  /// The one-letter short name, if any (`h` for `-h`).
  var short: Character?
  /// The value's placeholder in help (`S` in `--timeout <S>`); `nil` for a flag that takes no value.
  var valueName: String?
  /// One line of help.
  var help: String
  /// Whether the option may be given more than once (each occurrence adds a value).
  var isRepeatable: Bool = false
  /// Whether the next word is taken as the value even when it starts with `-` (`--arg --verbose`).
  var allowsDashValue: Bool = false

  /// `--timeout` (or `-h, --help` in help text).
  var displayName: String { "--\(long)" }

  /// `-h, --help` or `--timeout <S>`, as shown in the help's option list.
  var helpLabel: String {
    var label = short.map { "-\($0), " } ?? ""
    label += "--\(long)"
    if let valueName { label += " <\(valueName)>" }
    return label
  }
}

/// An option or flag a command declares once in its ``CommandConfiguration``.
protocol OptionDeclaration: Sendable {
  /// The spelling and help of the option.
  var spec: OptionSpec { get }
}

/// A switch that is on when present (`--json`, `--versions`).
struct Flag: OptionDeclaration {
  /// The spelling and help of the flag.
  let spec: OptionSpec

  /// Declares `--long` (and `-short`).
  init(_ long: String, short: Character? = nil, help: String) {
    spec = OptionSpec(long: long, short: short, valueName: nil, help: help)
  }
}

/// An option that takes a value (`--timeout 5`, `--home=DIR`), converted to `Value` when read.
struct Option<Value: Sendable>: OptionDeclaration {
  /// The spelling and help of the option.
  let spec: OptionSpec
  /// Converts the text given on the command line; `nil` means invalid.
  let convert: @Sendable (String) -> Value?
  /// What a valid value looks like, for the error message (`a positive number of seconds`).
  let expected: String

  /// Declares `--long <valueName>` with a conversion from text.
  init(
    _ long: String, short: Character? = nil, valueName: String, help: String, repeatable: Bool = false,
    allowsDashValue: Bool = false, expected: String, convert: @escaping @Sendable (String) -> Value?
  ) {
    spec = OptionSpec(
      long: long, short: short, valueName: valueName, help: help, isRepeatable: repeatable,
      allowsDashValue: allowsDashValue)
    self.convert = convert
    self.expected = expected
  }
}

extension Option where Value == String {
  /// Declares `--long <valueName>` whose value is any non-empty text.
  init(
    _ long: String, short: Character? = nil, valueName: String, help: String, repeatable: Bool = false,
    allowsDashValue: Bool = false
  ) {
    self.init(
      long, short: short, valueName: valueName, help: help, repeatable: repeatable,
      allowsDashValue: allowsDashValue, expected: "a non-empty value"
    ) { $0.isEmpty ? nil : $0 }
  }
}

extension Option where Value == Double {
  /// Declares `--long <S>`: a positive, finite number of seconds.
  static func seconds(_ long: String, help: String) -> Option<Double> {
    Option(long, valueName: "seconds", help: help, expected: "a positive number of seconds") { text in
      Double(text).flatMap { $0 > 0 && $0.isFinite ? $0 : nil }
    }
  }
}

/// A positional argument a command declares once in its ``CommandConfiguration``.
struct Argument: Sendable, Hashable {
  /// How many values the argument takes.
  enum Arity: Sendable, Hashable {
    /// Exactly one.
    case required
    /// Zero or one.
    case optional
    /// Zero or more (must be the last argument).
    case variadic
  }

  /// The placeholder in help and errors (`name` in `<name>`).
  var name: String
  /// One line of help.
  var help: String
  /// How many values it takes.
  var arity: Arity = .required

  /// `<name>`, `[<name>]` or `[<name> ...]`, as shown in the usage line.
  var usageLabel: String {
    switch arity {
    case .required: "<\(name)>"
    case .optional: "[<\(name)>]"
    case .variadic: "[<\(name)> ...]"
    }
  }
}
