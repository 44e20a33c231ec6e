/// Turns the words of a command line into a command path, its arguments and the global options.
///
/// Global options are accepted anywhere; a command's own options after its name. `--` ends the
/// options. `--name=value` and `--name value` are both accepted.
struct CommandLineParser: Sendable {
  /// A parsed command line.
  struct Invocation: Sendable {
    /// The selected command, root first.
    var path: CommandPath
    /// Its options and arguments.
    var arguments: ParsedArguments
    /// The global options.
    var globals: GlobalOptions
  }

  /// The root command.
  let root: any ParsableCommand.Type

  /// Parses `words` (the command line without the program name).
  ///
  /// - Throws: a usage ``CLIError`` for an unknown command or option, a missing value or argument,
  ///   or an unexpected argument.
  func parse(_ words: [String]) throws(CLIError) -> Invocation {
    var path: CommandPath = [root]
    var globals = GlobalOptions()
    var options: [String: [String]] = [:]
    var positionals: [String] = []
    var onlyPositionals = false
    var index = 0

    while index < words.count {
      let word = words[index]
      index += 1
      if !onlyPositionals, word == "--" {
        onlyPositionals = true
        continue
      }
      if !onlyPositionals, word.hasPrefix("-"), word.count > 1 {
        let (name, inlineValue) = Self.split(word)
        var spec = Self.find(name, in: GlobalOptions.all)
        let isGlobal = spec != nil
        if spec == nil { spec = Self.find(name, in: path.last!.configuration.options) }
        // An option of the default subcommand given to its group (`providers --versions`).
        if spec == nil, positionals.isEmpty, let fallback = path.last!.configuration.defaultSubcommand,
          let found = Self.find(name, in: fallback.configuration.options)
        {
          path.append(fallback)
          spec = found
        }
        guard let spec else { throw unknownOption(word, path: path) }
        var value = ""
        if spec.valueName != nil {
          if let inlineValue {
            value = inlineValue
          } else if index < words.count, spec.allowsDashValue || !Self.looksLikeOption(words[index]) {
            value = words[index]
            index += 1
          } else {
            throw CLIError.usage(
              "missing_value", "missing value for \(spec.displayName)",
              hint: "usage: \(spec.displayName) <\(spec.valueName!)>")
          }
        } else if inlineValue != nil {
          throw CLIError.usage("unexpected_value", "\(spec.displayName) does not take a value")
        }
        if isGlobal {
          switch spec.long {
          case GlobalOptions.home.spec.long: globals.home = value
          case GlobalOptions.store.spec.long: globals.store = value
          case GlobalOptions.json.spec.long: globals.json = true
          case GlobalOptions.version.spec.long: globals.version = true
          default: globals.help = true
          }
        } else {
          options[spec.long, default: []].append(value)
        }
        continue
      }
      let configuration = path.last!.configuration
      if !configuration.subcommands.isEmpty, positionals.isEmpty, !onlyPositionals {
        guard let subcommand = configuration.subcommand(named: word) else {
          throw CLIError.unknownCommand(
            word, choices: configuration.visibleSubcommands.map { $0.configuration.name },
            helpCommand: "\(path.commandName) --help")
        }
        path.append(subcommand)
        continue
      }
      positionals.append(word)
    }

    if !globals.help, let fallback = path.last!.configuration.defaultSubcommand {
      path.append(fallback)
    }
    var arguments = ParsedArguments(options: options, commandName: path.commandName)
    if !globals.help && !globals.version {
      arguments.positionals = try assign(positionals, to: path)
    }
    return Invocation(path: path, arguments: arguments, globals: globals)
  }

  /// Matches positional words to the command's declared arguments.
  private func assign(_ words: [String], to path: CommandPath) throws(CLIError) -> [String: [String]] {
    var result: [String: [String]] = [:]
    var remaining = words[...]
    for argument in path.last!.configuration.arguments {
      switch argument.arity {
      case .required:
        guard let word = remaining.popFirst() else {
          throw CLIError.usage(
            "missing_argument", "missing argument <\(argument.name)> (\(argument.help))",
            hint: "usage: \(HelpFormatter.usage(for: path))")
        }
        result[argument.name] = [word]
      case .optional:
        if let word = remaining.popFirst() { result[argument.name] = [word] }
      case .variadic:
        result[argument.name] = Array(remaining)
        remaining = []
      }
    }
    if let extra = remaining.first {
      throw CLIError.usage(
        "unexpected_argument", "unexpected argument \"\(extra)\"",
        hint: "usage: \(HelpFormatter.usage(for: path))")
    }
    return result
  }

  private func unknownOption(_ word: String, path: CommandPath) -> CLIError {
    let declared = GlobalOptions.all + path.last!.configuration.options
    let names = declared.map { $0.spec.displayName }
    var hint = "see '\(path.commandName) --help'"
    if let guess = Suggestions.closest(to: Self.split(word).name, among: names) {
      hint = "did you mean \"\(guess)\"? " + hint
    }
    return .usage("unknown_option", "unknown option \"\(word)\" for \"\(path.commandName)\"", hint: hint)
  }

  /// `--name=value` → (`--name`, `value`); `-h` → (`-h`, nil).
  private static func split(_ word: String) -> (name: String, value: String?) {
    guard word.hasPrefix("--"), let equals = word.firstIndex(of: "=") else { return (word, nil) }
    return (String(word[..<equals]), String(word[word.index(after: equals)...]))
  }

  private static func find(_ name: String, in declared: [any OptionDeclaration]) -> OptionSpec? {
    for declaration in declared {
      let spec = declaration.spec
      if name == "--" + spec.long { return spec }
      if let short = spec.short, name == "-" + String(short) { return spec }
    }
    return nil
  }

  /// A word that would be read as an option rather than as the previous option's value.
  private static func looksLikeOption(_ word: String) -> Bool {
    word.hasPrefix("-") && word.count > 1 && Double(word) == nil
  }
}
