/// Where the state database is: a SQLite file in the state home (the default), or a PostgreSQL
/// server named by a `postgres://` or `postgresql://` URL (`--store URL`, `MULTIAGENT_STORE`).
public enum StoreLocation: Sendable, Hashable, CustomStringConvertible {
  /// A SQLite file.
  case sqlite(path: String)
  /// A PostgreSQL server, as a libpq connection URL (it may hold a password: never print it; print
  /// ``description``).
  case postgres(url: String)

  /// The URL schemes a PostgreSQL store is named by.
  public static let postgresSchemes = ["postgres", "postgresql"]

  /// The PostgreSQL store named by `url`.
  ///
  /// - Throws: ``StoreError`` with code ``StoreError/Code/invalidValue`` when `url` is not a
  ///   `postgres://` or `postgresql://` URL; the message shows the URL without its password.
  public init(url: String) throws(StoreError) {
    let scheme = url.firstRange(of: "://").map { String(url[..<$0.lowerBound]).lowercased() }
    guard let scheme, Self.postgresSchemes.contains(scheme) else {
      throw StoreError(
        code: .invalidValue,
        message: "unsupported store \"\(Self.redacted(url))\": use a postgres:// or postgresql:// URL "
          + "(or leave the store unset for SQLite in the state home)")
    }
    self = .postgres(url: url)
  }

  /// The engine.
  package var engine: StoreEngine {
    switch self {
    case .sqlite: .sqlite
    case .postgres: .postgres
    }
  }

  /// The file, or the URL without its password: safe to print and log.
  public var description: String {
    switch self {
    case .sqlite(let path): path
    case .postgres(let url): Self.redacted(url)
    }
  }

  /// `url` with any password (`user:secret@`, `?password=secret`) replaced by `***`.
  public static func redacted(_ url: String) -> String {
    var text = url
    if let schemeEnd = text.firstRange(of: "://") {
      let authorityStart = schemeEnd.upperBound
      let authorityEnd = text[authorityStart...].firstIndex { "/?#".contains($0) } ?? text.endIndex
      if let at = text[authorityStart..<authorityEnd].lastIndex(of: "@"),
        let colon = text[authorityStart..<at].firstIndex(of: ":")
      {
        text.replaceSubrange(text.index(after: colon)..<at, with: "***")
      }
    }
    guard let query = text.firstIndex(of: "?") else { return text }
    let pairs = text[text.index(after: query)...].split(separator: "&", omittingEmptySubsequences: false)
    let cleaned = pairs.map { pair -> String in
      let key = pair.split(separator: "=", maxSplits: 1).first.map { String($0).lowercased() } ?? ""
      return key == "password" ? "password=***" : String(pair)
    }
    return String(text[...query]) + cleaned.joined(separator: "&")
  }
}
