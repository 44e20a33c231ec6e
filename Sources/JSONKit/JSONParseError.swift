/// Why a byte sequence is not one valid JSON text, and where parsing stopped.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The byte offset into the input at which the problem was found.
  public var offset: Int
  /// A short, human-readable explanation, such as `"unterminated string"`.
  public var reason: String

  /// Creates an error at byte `offset` with the explanation `reason`.
  public init(offset: Int, reason: String) {
    self.offset = offset
    self.reason = reason
  }

  /// `"invalid JSON at byte <offset>: <reason>"`.
  public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}
