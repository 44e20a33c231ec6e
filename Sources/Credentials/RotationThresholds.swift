import Foundation

/// When an account counts as nearly used up, so that the next run prefers another: a share of each
/// usage window (`rotation.switchAt` in `<home>/config.json`: one number for every window, or an
/// object with `default` and per-window numbers such as `{"default": 0.9, "seven_day": 0.98}`).
public struct RotationThresholds: Sendable, Hashable {
  /// The share of a window at which an account is avoided, for windows not named in ``perWindow``.
  public var defaultShare: Double
  /// Shares for named windows (`five_hour`, `seven_day`, `primary`, …).
  public var perWindow: [String: Double]

  /// The default: 0.9 of every window.
  public static let standard = RotationThresholds(defaultShare: 0.9)

  /// Thresholds.
  public init(defaultShare: Double = 0.9, perWindow: [String: Double] = [:]) {
    self.defaultShare = defaultShare
    self.perWindow = perWindow
  }

  /// The share at which `window` counts as nearly used up.
  public func share(for window: String) -> Double { perWindow[window] ?? defaultShare }

  /// Whether the readings put the account over a threshold at `now`: some window used at or above
  /// its share that has not reset since it was read.
  public func isOver(_ quota: [AccountQuota], now: Date) -> Bool {
    quota.contains { reading in
      reading.window.utilization >= share(for: reading.window.name)
        && (reading.window.resetsAt.map { $0 > now } ?? true)
    }
  }
}
