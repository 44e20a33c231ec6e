import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A live line on standard error while a command waits (`⠹ brave-otter is running · 12s`): only
/// when standard error is a terminal that can erase a line, redrawn every 0.2 s, erased when the
/// wait ends. ``Console`` erases it before writing anything else, so output stays whole.
enum ProgressLine {
  /// Whether the line is on the screen now; writes to the terminal hold this lock.
  static let isShown = Mutex(false)

  private static let spinner = Array("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")

  /// Whether a progress line may be drawn: standard error is a terminal, not a dumb one.
  static func isAvailable(_ environment: [String: String]) -> Bool {
    let term = environment["TERM"] ?? ""
    return isatty(STDERR_FILENO) == 1 && !term.isEmpty && term != "dumb"
  }

  /// Runs `body` with a progress line saying `describe()` (read at each redraw) and the time spent.
  static func during<T>(
    _ context: CommandContext, describe: @escaping @Sendable () -> String, _ body: () async throws -> T
  ) async rethrows -> T {
    guard isAvailable(context.environment) else { return try await body() }
    let ticker = Task {
      let start = ContinuousClock.now
      var frame = 0
      while !Task.isCancelled {
        let elapsed = Int((ContinuousClock.now - start).components.seconds)
        draw("\(spinner[frame % spinner.count]) \(describe()) · \(elapsedText(elapsed))")
        frame += 1
        try? await Task.sleep(for: .milliseconds(200))
      }
    }
    defer { ticker.cancel() }
    let result: T
    do {
      result = try await body()
    } catch {
      ticker.cancel()
      await ticker.value
      erase()
      throw error
    }
    ticker.cancel()
    await ticker.value
    erase()
    return result
  }

  /// `12s`, `3m05s`, `1h02m`.
  static func elapsedText(_ seconds: Int) -> String {
    if seconds < 60 { return "\(seconds)s" }
    if seconds < 3600 { return "\(seconds / 60)m" + String(format: "%02ds", seconds % 60) }
    return "\(seconds / 3600)h" + String(format: "%02dm", seconds % 3600 / 60)
  }

  /// Erases the line if it is shown; call with ``isShown`` held.
  static func eraseLocked(_ shown: inout Bool) {
    guard shown else { return }
    Console.writeRaw("\r\u{1B}[K", to: STDERR_FILENO)
    shown = false
  }

  private static func draw(_ text: String) {
    let width = FullScreen.size(of: STDERR_FILENO).columns - 1
    isShown.withLock { shown in
      Console.writeRaw("\r" + text.clipped(toVisibleWidth: width) + "\u{1B}[K", to: STDERR_FILENO)
      shown = true
    }
  }

  private static func erase() {
    isShown.withLock { eraseLocked(&$0) }
  }
}
