#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A full-screen view on the terminal: the alternate screen, the cursor hidden, keys read one at a
/// time without echo. Frames are drawn from the top-left corner over the previous one (each line
/// cleared to its end, then the rest of the screen), never by clearing the whole screen, so the
/// view does not flicker.
///
/// ``leave()`` puts the terminal back as it was (primary screen, cursor shown, line discipline
/// restored); so do SIGINT, SIGTERM and SIGHUP, which then end the process as they would have.
final class FullScreen {
  /// Whether keys can be read (standard input is a terminal).
  private let readsKeys: Bool
  private var lastSize: (rows: Int, columns: Int)?
  private var left = false

  /// Switches the terminal to the full-screen view.
  init() {
    readsKeys = isatty(STDIN_FILENO) == 1
    // Globals are set up on first use: before any handler may need them, not inside one.
    _ = fullScreenLeaveSequence.utf8CodeUnitCount
    var original = termios()
    if readsKeys, tcgetattr(STDIN_FILENO, &original) == 0 {
      fullScreenSavedTermios = original
      var raw = original
      // Keys arrive at once and unechoed; signals (Ctrl-C) and output processing stay as they were.
      raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
      withUnsafeMutableBytes(of: &raw.c_cc) { bytes in
        bytes[Int(VMIN)] = 0
        bytes[Int(VTIME)] = 0
      }
      tcsetattr(STDIN_FILENO, TCSANOW, &raw)
    }
    for number in [SIGINT, SIGTERM, SIGHUP] { installRestoringHandler(number) }
    // Nothing but interrupting the wait for a key (poll is never restarted), so a resized
    // terminal gets its next frame at once.
    signal(SIGWINCH) { _ in }
    writeAll(Self.enterSequence)
  }

  deinit { leave() }

  /// Puts the terminal back: primary screen, cursor shown, keys echoed and line by line again.
  func leave() {
    guard !left else { return }
    left = true
    restoreTerminal()
    for number in [SIGINT, SIGTERM, SIGHUP, SIGWINCH] { signal(number, SIG_DFL) }
  }

  /// Draws `lines` as the whole screen: each cut to the terminal's width, as many as fit.
  func draw(_ lines: [String]) {
    let size = Self.size()
    var frame = "\u{1B}[H"
    if lastSize.map({ $0 != size }) ?? true {
      // A new size leaves stale cells where the old frame was wider: clear once.
      frame += "\u{1B}[2J"
      lastSize = size
    }
    var shown = Array(lines.prefix(size.rows))
    if lines.count > size.rows, size.rows > 1 {
      shown[shown.count - 1] = "… \(lines.count - size.rows + 1) more lines (a taller terminal shows them)"
    }
    for (index, line) in shown.enumerated() {
      frame += line.clipped(toVisibleWidth: size.columns) + "\u{1B}[K"
      if index < shown.count - 1 { frame += "\r\n" }
    }
    frame += "\u{1B}[J"
    writeAll(frame)
  }

  /// Waits up to `seconds` for a key; returns the keys typed, empty when none (or on a resize,
  /// which ends the wait early so the next frame fits).
  func waitForKeys(seconds: Double) -> [UInt8] {
    guard readsKeys else {
      var remaining = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - seconds.rounded(.down)) * 1e9))
      nanosleep(&remaining, nil)
      return []
    }
    var descriptor = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
    guard poll(&descriptor, 1, Int32(seconds * 1000)) > 0 else { return [] }
    var buffer = [UInt8](repeating: 0, count: 64)
    let count = read(STDIN_FILENO, &buffer, buffer.count)
    return count > 0 ? Array(buffer.prefix(count)) : []
  }

  /// The rows and columns of the terminal `descriptor` writes to (24×80 when it does not say).
  static func size(of descriptor: Int32 = STDOUT_FILENO) -> (rows: Int, columns: Int) {
    var size = winsize()
    guard ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0, size.ws_col > 0 else {
      return (24, 80)
    }
    return (Int(size.ws_row), Int(size.ws_col))
  }

  /// Alternate screen on, cursor hidden.
  static let enterSequence = "\u{1B}[?1049h\u{1B}[?25l"
}

/// Writes all of `text` to standard output.
private func writeAll(_ text: String) {
  var bytes = Array(text.utf8)[...]
  while !bytes.isEmpty {
    let written = bytes.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
    if written < 0, errno == EINTR { continue }
    if written <= 0 { return }
    bytes = bytes.dropFirst(written)
  }
}

// What the signal handlers need, set before they are installed: a handler may only use
// async-signal-safe calls, so the restore sequence is a C string and the settings a plain value.
nonisolated(unsafe) private var fullScreenSavedTermios: termios?
private let fullScreenLeaveSequence: StaticString = "\u{1B}[?1049l\u{1B}[?25h"

/// Primary screen, cursor shown, the terminal's own settings back. Async-signal-safe.
private func restoreTerminal() {
  fullScreenLeaveSequence.withUTF8Buffer { _ = write(STDOUT_FILENO, $0.baseAddress, $0.count) }
  if var saved = fullScreenSavedTermios { tcsetattr(STDIN_FILENO, TCSANOW, &saved) }
}

/// On `signal`: restore the terminal, then die of the signal as if no handler had been installed.
private func installRestoringHandler(_ number: Int32) {
  signal(number) { received in
    restoreTerminal()
    signal(received, SIG_DFL)
    raise(received)
  }
}
