import MultiAgent

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Colour and status symbols for people at a terminal: on only when the output goes to a terminal,
/// `NO_COLOR` is unset (or empty) and `TERM` names a terminal other than `dumb`. Off, every
/// function returns its text unchanged, so pipes and scripts see plain words.
struct TextStyle: Sendable {
  /// Whether escapes and symbols are written.
  let isEnabled: Bool

  /// Plain text.
  static let plain = TextStyle(isEnabled: false)

  init(isEnabled: Bool) {
    self.isEnabled = isEnabled
  }

  /// The style for output written to `descriptor` (standard output by default).
  init(environment: [String: String], descriptor: Int32 = STDOUT_FILENO) {
    isEnabled = Self.allowsStyle(environment) && isatty(descriptor) == 1
  }

  /// Whether the environment allows colour at all (`NO_COLOR`, `TERM`).
  static func allowsStyle(_ environment: [String: String]) -> Bool {
    guard (environment["NO_COLOR"] ?? "").isEmpty else { return false }
    guard let term = environment["TERM"], !term.isEmpty, term != "dumb" else { return false }
    return true
  }

  /// SGR codes used here.
  enum Colour: String, Sendable {
    case red = "31"
    case green = "32"
    case yellow = "33"
    case blue = "34"
    case magenta = "35"
    case cyan = "36"
    case dim = "2"
    case bold = "1"
  }

  /// `text` in `colour` (unchanged when off).
  func paint(_ text: String, _ colour: Colour) -> String {
    isEnabled && !text.isEmpty ? "\u{1B}[\(colour.rawValue)m\(text)\u{1B}[0m" : text
  }

  /// A bold heading.
  func heading(_ text: String) -> String { paint(text, .bold) }

  /// A status for tables: `✓ completed` in green, `✗ failed` in red, … (the bare word when off).
  func status(_ status: AgentStatus, label: String? = nil) -> String {
    let text = label ?? status.rawValue
    guard isEnabled else { return text }
    let (symbol, colour) = Self.look(of: status)
    return paint("\(symbol) \(text)", colour)
  }

  /// The symbol and colour of each status.
  static func look(of status: AgentStatus) -> (String, Colour) {
    switch status {
    case .queued: ("◦", .dim)
    case .starting: ("◌", .cyan)
    case .running: ("▶", .blue)
    case .waitingForInput: ("?", .yellow)
    case .waitingForAccount: ("⏸", .yellow)
    case .completed: ("✓", .green)
    case .failed: ("✗", .red)
    case .stopped: ("■", .dim)
    case .crashed: ("✗", .magenta)
    }
  }
}

extension String {
  /// The number of characters a terminal shows: escape sequences (`ESC [ … letter`) count nothing.
  var visibleWidth: Int {
    var width = 0
    var inEscape = false
    for scalar in unicodeScalars {
      if inEscape {
        if (0x40...0x7E).contains(scalar.value) && scalar != "[" { inEscape = false }
      } else if scalar == "\u{1B}" {
        inEscape = true
      } else if scalar.properties.generalCategory != .nonspacingMark {
        width += 1
      }
    }
    return width
  }

  /// The string cut to `width` visible characters, escape sequences kept (and the style reset at
  /// the cut when any was open).
  func clipped(toVisibleWidth width: Int) -> String {
    guard visibleWidth > width else { return self }
    var result = ""
    var shown = 0
    var inEscape = false
    var styled = false
    for scalar in unicodeScalars {
      if inEscape {
        result.unicodeScalars.append(scalar)
        if (0x40...0x7E).contains(scalar.value) && scalar != "[" { inEscape = false }
      } else if scalar == "\u{1B}" {
        inEscape = true
        styled = true
        result.unicodeScalars.append(scalar)
      } else {
        if shown >= width { continue }
        result.unicodeScalars.append(scalar)
        if scalar.properties.generalCategory != .nonspacingMark { shown += 1 }
      }
    }
    return styled ? result + "\u{1B}[0m" : result
  }
}
