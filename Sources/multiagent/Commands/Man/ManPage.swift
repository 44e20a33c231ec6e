/// The `multiagent(1)` manual page in roff (the `man` macros), generated from the command
/// declarations — the same ones `--help` and the completion scripts read, so the three agree.
enum ManPage {
  /// The whole page: name, synopsis, description, every visible command with its arguments and
  /// options, the global options, environment, files and exit status.
  static func render(root: any ParsableCommand.Type) -> String {
    let configuration = root.configuration
    var page = """
      .TH MULTIAGENT 1 "" "multiagent \(MultiAgentVersion.current)" "User Commands"
      .SH NAME
      multiagent \\- \(escape(configuration.abstract))
      .SH SYNOPSIS
      .B multiagent
      .I command
      .RI [ options ]
      .RI [ arguments ]
      .SH DESCRIPTION

      """
    page += paragraphs(configuration.discussion ?? "")
    page += ".SH COMMANDS\n"
    for (path, command) in commands(under: root, path: []) {
      page += section(for: command, path: path)
    }
    page += ".SH GLOBAL OPTIONS\nEvery command accepts these, anywhere on the command line.\n"
    for option in GlobalOptions.all { page += item(option.spec) }
    page += trailer
    return page
  }

  /// Every visible command below `type`, depth first, with its words (`["accounts", "add"]`).
  private static func commands(
    under type: any ParsableCommand.Type, path: [String]
  ) -> [([String], any ParsableCommand.Type)] {
    type.configuration.visibleSubcommands.flatMap { subcommand in
      let words = path + [subcommand.configuration.name]
      return [(words, subcommand)] + commands(under: subcommand, path: words)
    }
  }

  /// `.SS multiagent accounts add`, its usage line, help, arguments and options.
  private static func section(for command: any ParsableCommand.Type, path: [String]) -> String {
    let configuration = command.configuration
    var text = ".SS \"multiagent \(escape(path.joined(separator: " ")))\"\n"
    var usage = ["multiagent"] + path
    if !configuration.subcommands.isEmpty {
      usage.append(configuration.defaultSubcommand == nil ? "<subcommand>" : "[<subcommand>]")
    }
    usage.append("[<options>]")
    usage += configuration.arguments.map(\.usageLabel)
    text += ".PP\n.B \(escape(usage.joined(separator: " ")))\n.PP\n"
    text += escape(configuration.abstract) + "\n"
    if let discussion = configuration.discussion { text += ".PP\n" + paragraphs(discussion) }
    if !configuration.visibleSubcommands.isEmpty {
      let names = configuration.visibleSubcommands.map { $0.configuration.name }
      text += ".PP\nSubcommands: \(escape(names.joined(separator: ", "))).\n"
    }
    for argument in configuration.arguments {
      text += ".TP\n.I \(escape(argument.usageLabel))\n\(escape(argument.help))\n"
    }
    for option in configuration.options { text += item(option.spec) }
    return text
  }

  /// `.TP` with the option's spelling in bold and its value in italics, then its help.
  private static func item(_ spec: OptionSpec) -> String {
    var label = spec.short.map { "\\fB\\-\($0)\\fR, " } ?? ""
    label += "\\fB\\-\\-\(escape(spec.long))\\fR"
    if let value = spec.valueName { label += " \\fI\(escape(value))\\fR" }
    return ".TP\n\(label)\n\(escape(spec.help))\n"
  }

  /// Text kept line by line (a blank line starts a paragraph; indented lines stay as they are).
  private static func paragraphs(_ text: String) -> String {
    var out = ""
    var verbatim = false
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.trimmingCharacters(in: .whitespaces).isEmpty {
        if verbatim { out += ".fi\n" }
        verbatim = false
        out += ".PP\n"
      } else if line.hasPrefix("  ") {
        if !verbatim { out += ".nf\n" }
        verbatim = true
        out += escape(String(line)) + "\n"
      } else {
        if verbatim { out += ".fi\n" }
        verbatim = false
        out += escape(String(line)) + "\n"
      }
    }
    return out + (verbatim ? ".fi\n" : "")
  }

  /// Text safe in roff: backslashes and dashes escaped, other characters than ASCII written as
  /// `\[uXXXX]` (so no input encoding is assumed), a leading `.` or `'` made literal.
  static func escape(_ text: String) -> String {
    var escaped = ""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\\": escaped += "\\e"
      case "-": escaped += "\\-"
      case _ where scalar.value > 127:
        let hex = String(scalar.value, radix: 16, uppercase: true)
        escaped += "\\[u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + "]"
      default: escaped.unicodeScalars.append(scalar)
      }
    }
    if escaped.hasPrefix(".") || escaped.hasPrefix("'") { escaped = "\\&" + escaped }
    return escaped
  }

  private static let trailer = """
    .SH ENVIRONMENT
    .TP
    .B MULTIAGENT_HOME
    The state home when \\fB\\-\\-home\\fR is not given (default: \\fI~/.multiagent\\fR).
    .TP
    .B MULTIAGENT_STORE
    A PostgreSQL URL (\\fBpostgres://\\fR...) of a store several controllers share, when \\fB\\-\\-store\\fR
    is not given (default: the state database in the home).
    .TP
    .B MULTIAGENT_MACHINE_ID
    The name of this machine among controllers sharing a store (default: \\fI/etc/machine\\-id\\fR, else
    the host name); set it per pod or container when several share one machine id. Each controller
    checks, stops and resumes only the agents its machine supervises.
    .TP
    .B MULTIAGENT_LOG_LEVEL
    debug, info, warning or error: recovered failures from that level up go to standard error.
    .TP
    .B NO_COLOR
    When set and not empty, no colour or status symbols (they are shown only on a terminal, and not
    with \\fBTERM=dumb\\fR).
    .TP
    .BR MULTIAGENT_AGENT_ID ", " MULTIAGENT_TOKEN
    Set inside an agent: commands then act with that agent's authority, over its children only.
    .SH FILES
    .TP
    .I ~/.multiagent/state.db
    The state database (agents, events, accounts).
    .TP
    .I ~/.multiagent/agents/<id>/
    Each agent's prompt, output log and signal file.
    .TP
    .I ~/.multiagent/providers.json
    Your own providers, added to or overriding the built-in catalog.
    .SH EXIT STATUS
    0 success, 1 failure, 2 usage error, 3 waiting for input, 77 forbidden, 124 timed out.
    .SH SEE ALSO
    .BR git (1)

    """
}
