/// Renders `--help` text from a command's configuration, in the shape of swift-argument-parser.
enum HelpFormatter {
  /// The width of the label column in option, argument and subcommand lists.
  private static let labelWidth = 26

  /// The full help of the last command in `path`.
  static func help(for path: CommandPath) -> String {
    let command = path.last!
    let configuration = command.configuration
    var text = "OVERVIEW: \(configuration.abstract)\n\n"
    if let discussion = configuration.discussion {
      text += discussion.trimmingTrailingNewlines() + "\n\n"
    }
    text += "USAGE: \(usage(for: path))\n"

    if !configuration.arguments.isEmpty {
      text += "\nARGUMENTS:\n"
      for argument in configuration.arguments {
        text += row(argument.usageLabel, argument.help)
      }
    }
    if !configuration.options.isEmpty {
      text += "\nOPTIONS:\n"
      for option in configuration.options { text += row(option.spec.helpLabel, option.spec.help) }
    }
    text += "\nGLOBAL OPTIONS:\n"
    for option in GlobalOptions.all { text += row(option.spec.helpLabel, option.spec.help) }

    if !configuration.visibleSubcommands.isEmpty {
      text += "\nSUBCOMMANDS:\n"
      for subcommand in configuration.visibleSubcommands {
        var label = subcommand.configuration.name
        if let fallback = configuration.defaultSubcommand,
          ObjectIdentifier(fallback) == ObjectIdentifier(subcommand)
        {
          label += " (default)"
        }
        text += row(label, subcommand.configuration.abstract)
      }
      let helpPath = path.dropFirst().map { $0.configuration.name } + ["<subcommand>"]
      text +=
        "\n  See '\(path[0].configuration.name) help \(helpPath.joined(separator: " "))' for detailed help.\n"
    }
    return text
  }

  /// The usage line: `multiagent providers show [<options>] <name>`.
  static func usage(for path: CommandPath) -> String {
    let configuration = path.last!.configuration
    var words = [path.commandName]
    if !configuration.subcommands.isEmpty {
      words.append(configuration.defaultSubcommand == nil ? "<subcommand>" : "[<subcommand>]")
    }
    words.append("[<options>]")
    words += configuration.arguments.map(\.usageLabel)
    return words.joined(separator: " ")
  }

  private static func row(_ label: String, _ help: String) -> String {
    let indented = "  " + label
    if indented.count + 2 > labelWidth {
      return indented + "\n" + String(repeating: " ", count: labelWidth) + help + "\n"
    }
    return indented.padding(to: labelWidth) + help + "\n"
  }
}

extension String {
  /// The string padded with spaces to `width` characters (unchanged if already as wide).
  func padding(to width: Int) -> String {
    count >= width ? self : self + String(repeating: " ", count: width - count)
  }

  fileprivate func trimmingTrailingNewlines() -> String {
    var result = self
    while result.hasSuffix("\n") { result.removeLast() }
    return result
  }
}
