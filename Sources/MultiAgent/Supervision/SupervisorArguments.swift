/// The words a detached supervisor is started with, after the embedder's own arguments:
/// `--home H [--adopt] [--await-start --provider P] ID`, or `[--home H] --early ID` for one started
/// before the spawn read its command line (see ``EarlySupervisorStart``).
struct SupervisorArguments: Equatable {
  /// The state home; empty for an early supervisor that was not told it.
  var home: String
  var agentID: String
  var adopt = false
  /// Started ahead by a spawn: wait for the word on descriptor 3 first (see ``PendingSupervisor``).
  var awaitStart = false
  /// With `awaitStart`: the provider whose definition to load while waiting.
  var provider: String?
  /// Started before the spawn read its command line: the words that count, and the environment,
  /// come first on descriptor 3 (a `--home` given here is only for the eyes of `ps`).
  var early = false

  var words: [String] {
    var words = ["--home", home]
    if adopt { words.append("--adopt") }
    if awaitStart { words.append("--await-start") }
    if let provider { words += ["--provider", provider] }
    if early { words.append("--early") }
    return words + [agentID]
  }

  /// Parses `words`; `nil` when they are not a supervisor's.
  init?(words: [String]) {
    var home: String?
    var rest = words[...]
    while let word = rest.first, word.hasPrefix("--") {
      rest = rest.dropFirst()
      switch word {
      case "--adopt": adopt = true
      case "--await-start": awaitStart = true
      case "--early": early = true
      case "--home", "--provider":
        guard let value = rest.first else { return nil }
        rest = rest.dropFirst()
        if word == "--home" { home = value } else { provider = value }
      default: return nil
      }
    }
    guard let home = home ?? (early ? "" : nil), let id = rest.first, rest.count == 1, !id.isEmpty else {
      return nil
    }
    self.home = home
    self.agentID = id
  }

  init(home: String, agentID: String, adopt: Bool = false, awaitStart: Bool = false, provider: String? = nil)
  {
    self.home = home
    self.agentID = agentID
    self.adopt = adopt
    self.awaitStart = awaitStart
    self.provider = provider
  }
}
