import Foundation
import JSONKit
import ProviderKit

/// Usage readings a CLI keeps in its session file rather than printing them: Codex writes each
/// turn's `token_count` event with `rate_limits` (`primary` and `secondary` windows: `used_percent`,
/// `window_minutes`, `resets_at`) into its rollout file, never to `--json` stdout.
public enum SessionQuotaReader {
  /// How much of the end of a session file is read: the last reading is near its end.
  static let tailBytes = 256 * 1024

  /// The last reading in the session file at `path` for a CLI of `dialect`, or nil (another
  /// dialect, no file, no reading).
  public static func reading(dialect: String, sessionFile path: String) -> QuotaReading? {
    guard dialect == "codex-exec-json", let handle = FileHandle(forReadingAtPath: path) else { return nil }
    defer { try? handle.close() }
    guard let size = try? handle.seekToEnd() else { return nil }
    let start = size > UInt64(tailBytes) ? size - UInt64(tailBytes) : 0
    guard (try? handle.seek(toOffset: start)) != nil, let data = try? handle.readToEnd() else { return nil }
    let lines = Array(data).split(separator: UInt8(ascii: "\n"))
    for line in lines.reversed() where line.count < 1 << 20 {
      if let reading = codexReading(line) { return reading }
    }
    return nil
  }

  /// The reading of one rollout line, when it is a `token_count` event carrying `rate_limits`.
  static func codexReading(_ line: ArraySlice<UInt8>) -> QuotaReading? {
    guard line.firstRange(of: Array("\"rate_limits\"".utf8)) != nil,
      let value = try? JSONParser.parse(Array(line)),
      let payload = value["payload"], payload["type"]?.stringValue == "token_count",
      let limits = payload["rate_limits"]?.objectValue
    else { return nil }
    var windows: [QuotaReading.Window] = []
    for name in ["primary", "secondary"] {
      guard let window = limits[name]?.objectValue, let used = window["used_percent"]?.doubleValue else {
        continue
      }
      windows.append(
        QuotaReading.Window(
          name: name, utilization: used / 100,
          resetsAt: window["resets_at"]?.doubleValue.map(Date.init(timeIntervalSince1970:)),
          windowMinutes: window["window_minutes"]?.intValue))
    }
    return windows.isEmpty ? nil : QuotaReading(windows: windows)
  }
}
