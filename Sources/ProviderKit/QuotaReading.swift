import Foundation
import JSONKit

/// How much of an account's usage windows is used, as the provider last reported it.
///
/// Claude reports it on subscription turns (`rate_limit_event`, each window of `unifiedWindows`);
/// Codex writes it into its session file (`token_count.rate_limits`). Window names are the
/// provider's: `five_hour`, `seven_day`, … for Claude; `primary`, `secondary` for Codex.
public struct QuotaReading: Sendable, Hashable, Codable {
  /// One usage window.
  public struct Window: Sendable, Hashable, Codable {
    /// The window's name (`five_hour`, `seven_day`, `primary`, …).
    public var name: String
    /// The share used, 0 to 1 (1 is the limit).
    public var utilization: Double
    /// When the window resets, when known.
    public var resetsAt: Date?
    /// The provider's word for it (`allowed`, `allowed_warning`, `rejected`), when it gives one.
    public var status: String?
    /// How long the window is, in minutes, when the provider says.
    public var windowMinutes: Int?

    /// A window reading.
    public init(
      name: String, utilization: Double, resetsAt: Date? = nil, status: String? = nil,
      windowMinutes: Int? = nil
    ) {
      self.name = name
      self.utilization = utilization
      self.resetsAt = resetsAt
      self.status = status
      self.windowMinutes = windowMinutes
    }

    private enum CodingKeys: String, CodingKey {
      case name, utilization, resetsAt = "resets_at", status, windowMinutes = "window_minutes"
    }

    /// Decodes a window; `resets_at` is ISO-8601 text or seconds since 1970.
    public init(from decoder: any Decoder) throws {
      let c = try decoder.container(keyedBy: CodingKeys.self)
      name = try c.decode(String.self, forKey: .name)
      utilization = try c.decode(Double.self, forKey: .utilization)
      resetsAt = try c.decodeTimeIfPresent(forKey: .resetsAt).map(Date.init(timeIntervalSince1970:))
      status = try c.decodeIfPresent(String.self, forKey: .status)
      windowMinutes = try c.decodeIfPresent(Int.self, forKey: .windowMinutes)
    }

    /// Encodes a window, `resets_at` as ISO-8601 text; absent values are left out.
    public func encode(to encoder: any Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encode(name, forKey: .name)
      try c.encode(utilization, forKey: .utilization)
      try c.encodeTimeIfPresent(resetsAt?.timeIntervalSince1970, forKey: .resetsAt)
      try c.encodeIfPresent(status, forKey: .status)
      try c.encodeIfPresent(windowMinutes, forKey: .windowMinutes)
    }
  }

  /// The overall status the provider gave (`allowed`, `allowed_warning`, `rejected`), if any.
  public var status: String?
  /// The windows read, in the order given.
  public var windows: [Window]

  /// A reading.
  public init(status: String? = nil, windows: [Window]) {
    self.status = status
    self.windows = windows
  }
}
