/// The options and positional arguments given to one command, read through the declarations that
/// described them (so a value is converted and validated in one place, with one error message).
struct ParsedArguments: Sendable {
  /// Values by option long name, in command-line order; a flag has one empty value per occurrence.
  var options: [String: [String]] = [:]
  /// Values by argument name.
  var positionals: [String: [String]] = [:]
  /// The command, root first, for messages (`multiagent providers check`).
  var commandName: String = ""

  /// Whether `flag` was given.
  func isSet(_ flag: Flag) -> Bool {
    options[flag.spec.long] != nil
  }

  /// The value of `option` (the last one, if given more than once), converted.
  ///
  /// - Throws: a usage ``CLIError`` naming the option and what it expects when the value is invalid.
  func value<Value>(_ option: Option<Value>) throws -> Value? {
    try values(option).last
  }

  /// Every value of `option`, converted, in command-line order.
  ///
  /// - Throws: a usage ``CLIError`` naming the option and what it expects when a value is invalid.
  func values<Value>(_ option: Option<Value>) throws -> [Value] {
    var result: [Value] = []
    for text in options[option.spec.long] ?? [] {
      guard let value = option.convert(text) else {
        throw CLIError.usage(
          "invalid_value",
          "invalid value \"\(text)\" for \(option.spec.displayName): expected \(option.expected)",
          hint: "see '\(commandName) --help'")
      }
      result.append(value)
    }
    return result
  }

  /// The value of a required or optional positional argument.
  func argument(_ argument: Argument) -> String? {
    positionals[argument.name]?.first
  }

  /// Every value of a variadic positional argument.
  func arguments(_ argument: Argument) -> [String] {
    positionals[argument.name] ?? []
  }
}
