/// Shell completion scripts generated from ``CompletionModel``: subcommands and options come from the
/// command declarations, agent names, providers, account labels and host names from `multiagent __complete`.
enum CompletionScripts {
  /// bash: `source <(multiagent completions bash)`.
  static func bash(_ model: CompletionModel) -> String {
    let valued = model.commands.flatMap { $0.options.filter { $0.values != nil }.map { "--" + $0.long } }
    var script = """
      # multiagent completion for bash. Load it with: source <(multiagent completions bash)
      _multiagent_values() {
        local kind="$1" cur="$2" program="$3" home="$4"
        case "$kind" in
          agents|providers|accounts|hosts)
            local words
            if [[ -n "$home" ]]; then
              words="$("$program" --home "$home" __complete "$kind" 2>/dev/null)"
            else
              words="$("$program" __complete "$kind" 2>/dev/null)"
            fi
            COMPREPLY=($(compgen -W "$words" -- "$cur")) ;;
          files) COMPREPLY=($(compgen -f -- "$cur")) ;;
        esac
      }
      _multiagent() {
        local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"
        local program="${COMP_WORDS[0]}" path="" home="" i word
        for ((i = 1; i < COMP_CWORD; i++)); do
          word="${COMP_WORDS[i]}"
          case "$word" in
            -*) continue ;;
          esac
          case " \(Set(valued).sorted().joined(separator: " ")) " in
            *" ${COMP_WORDS[i-1]} "*)
              [[ "${COMP_WORDS[i-1]}" == --home ]] && home="$word"
              continue ;;
          esac
          case "${path:+$path }$word" in
            \(model.commands.filter { !$0.path.isEmpty }.map { $0.path.joined(separator: " ") }
              .map { "\"\($0)\"" }.joined(separator: "|")))
              path="${path:+$path }$word" ;;
            *) break ;;
          esac
        done
        case "$prev" in

      """
    for kind in [CompletionModel.Values.providers, .accounts, .agents, .files] {
      let names = Set(
        model.commands.flatMap { $0.options.filter { $0.values == kind }.map { "--" + $0.long } })
      guard !names.isEmpty else { continue }
      script +=
        "      \(names.sorted().joined(separator: "|"))) _multiagent_values \(kind.rawValue) \"$cur\" "
      script += "\"$program\" \"$home\"; return ;;\n"
    }
    let free = Set(
      model.commands.flatMap {
        $0.options.filter { $0.values == CompletionModel.Values.none }.map { "--" + $0.long }
      })
    if !free.isEmpty { script += "      \(free.sorted().joined(separator: "|"))) return ;;\n" }
    script += "  esac\n  local subcommands=\"\" options=\"\" arguments=none\n  case \"$path\" in\n"
    for command in model.commands {
      let options = command.options.map { "--" + $0.long }.joined(separator: " ")
      script +=
        "    \"\(command.path.joined(separator: " "))\") subcommands=\"\(command.subcommands.map(\.name).joined(separator: " "))\""
      script += " options=\"\(options)\" arguments=\(command.arguments.rawValue) ;;\n"
    }
    script += """
        esac
        if [[ "$cur" == -* ]]; then
          COMPREPLY=($(compgen -W "$options" -- "$cur"))
        elif [[ -n "$subcommands" ]]; then
          COMPREPLY=($(compgen -W "$subcommands" -- "$cur"))
        else
          _multiagent_values "$arguments" "$cur" "$program" "$home"
        fi
      }
      complete -F _multiagent multiagent

      """
    return script
  }

  /// zsh: the bash completion through zsh's `bashcompinit`.
  static func zsh(_ model: CompletionModel) -> String {
    "#compdef multiagent\n# multiagent completion for zsh. Load it with: source <(multiagent completions zsh)\n"
      + "autoload -U +X bashcompinit && bashcompinit\n" + bash(model)
  }

  /// fish: `multiagent completions fish | source`.
  static func fish(_ model: CompletionModel) -> String {
    func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "\\'") + "'" }
    func values(_ kind: CompletionModel.Values) -> String {
      switch kind {
      case .agents, .providers, .accounts, .hosts:
        " -a " + quoted("(multiagent __complete \(kind.rawValue) 2>/dev/null)")
      case .files: " -F"
      case .none: ""
      }
    }
    var script = "# multiagent completion for fish. Load it with: multiagent completions fish | source\n"
    script += "complete -c multiagent -f\n"
    for command in model.commands {
      let condition: String
      if command.path.isEmpty {
        condition = "__fish_use_subcommand"
      } else {
        let siblings = command.subcommands.map(\.name).joined(separator: " ")
        condition =
          "__fish_seen_subcommand_from \(command.path.last ?? "")"
          + (siblings.isEmpty ? "" : "; and not __fish_seen_subcommand_from \(siblings)")
      }
      for subcommand in command.subcommands {
        script +=
          "complete -c multiagent -n \(quoted(condition)) -a \(subcommand.name) -d \(quoted(subcommand.abstract))\n"
      }
      for option in command.options
      where !command.path.isEmpty || GlobalOptions.all.contains(where: { $0.spec.long == option.long }) {
        script += "complete -c multiagent -n \(quoted(condition)) -l \(option.long)"
        if let short = option.short { script += " -s \(short)" }
        if let kind = option.values { script += " -r" + values(kind) }
        script += " -d \(quoted(option.help))\n"
      }
      if command.subcommands.isEmpty, command.arguments != .none {
        script += "complete -c multiagent -n \(quoted(condition))" + values(command.arguments) + "\n"
      }
    }
    return script
  }
}
