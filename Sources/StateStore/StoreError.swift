import CSQLite

#if canImport(Glibc)
  import Glibc
#endif

/// Why a store operation failed: a stable ``Code`` to branch on, and a message for people (the
/// SQLite message where SQLite failed), naming the database file.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
  /// What kind of failure this is.
  public struct Code: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The code's name (stable; printed in messages and `--json` errors).
    public let rawValue: String

    /// A code called `rawValue`.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// Decodes the name.
    public init(from decoder: any Decoder) throws {
      rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    /// Encodes the name.
    public func encode(to encoder: any Encoder) throws {
      var container = encoder.singleValueContainer()
      try container.encode(rawValue)
    }

    /// The name.
    public var description: String { rawValue }

    /// An agent with this name already exists (names are unique, ignoring ASCII case).
    public static let nameTaken = Code(rawValue: "name_taken")
    /// An agent with this id already exists.
    public static let idTaken = Code(rawValue: "id_taken")
    /// The agent (or the parent agent) does not exist.
    public static let notFound = Code(rawValue: "not_found")
    /// The database stayed locked by other processes past every timeout and retry.
    public static let busy = Code(rawValue: "busy")
    /// The file is not a SQLite database, belongs to another application, or is damaged.
    public static let corrupt = Code(rawValue: "corrupt")
    /// The database was written by a newer multiagent whose schema this build does not know.
    public static let schemaTooNew = Code(rawValue: "schema_too_new")
    /// The file (or its folder) cannot be opened or created.
    public static let cannotOpen = Code(rawValue: "cannot_open")
    /// The database is read-only (permissions, read-only file system).
    public static let readOnly = Code(rawValue: "read_only")
    /// The disk is full.
    public static let diskFull = Code(rawValue: "disk_full")
    /// A read or write of the file failed.
    public static let io = Code(rawValue: "io")
    /// A constraint other than a duplicate name or id failed.
    public static let constraint = Code(rawValue: "constraint")
    /// A stored value cannot be decoded, or a value to store is invalid.
    public static let invalidValue = Code(rawValue: "invalid_value")
    /// Any other SQLite failure.
    public static let sqlite = Code(rawValue: "sqlite")
    /// The database server cannot be reached, or stopped answering (PostgreSQL).
    public static let unavailable = Code(rawValue: "unavailable")
    /// Any other PostgreSQL failure.
    public static let postgres = Code(rawValue: "postgres")
  }

  /// What kind of failure this is.
  public var code: Code
  /// What went wrong, for people; includes SQLite's message when SQLite failed.
  public var message: String
  /// The database file concerned, when known.
  public var path: String?
  /// SQLite's extended result code, when SQLite failed.
  public var sqliteCode: Int32?

  /// Creates an error.
  public init(code: Code, message: String, path: String? = nil, sqliteCode: Int32? = nil) {
    self.code = code
    self.message = message
    self.path = path
    self.sqliteCode = sqliteCode
  }

  /// `<path>: <message>`, or the message alone when no file is concerned.
  public var description: String {
    guard let path else { return message }
    return "\(path): \(message)"
  }

  /// An error for a failed SQLite call: the code is derived from SQLite's result code.
  ///
  /// - Parameters:
  ///   - result: the (extended) result code.
  ///   - sqliteMessage: `sqlite3_errmsg` at the time of failure.
  ///   - path: the database file.
  ///   - context: what was being done, e.g. "cannot open the database".
  ///   - systemErrno: the operating system's error behind an I/O failure (`sqlite3_system_errno`),
  ///     0 when unknown: `ENOSPC` makes the error ``Code/diskFull``.
  init(result: Int32, sqliteMessage: String, path: String?, context: String, systemErrno: Int32 = 0) {
    var code = Self.code(for: result)
    if code == .io, systemErrno == ENOSPC { code = .diskFull }
    var message = "\(context): \(sqliteMessage)"
    switch code {
    case .diskFull:
      var folder = "the state home"
      if let path, let slash = path.lastIndex(of: "/") { folder = String(path[..<slash]) }
      message += " (no space left on the disk holding \(folder): free some space and try again)"
    case .corrupt:
      message += " (is this a multiagent state database? move it away to start afresh)"
    case .busy:
      message += " (other multiagent processes kept it locked too long; try again)"
    case .readOnly, .cannotOpen:
      message += " (check the permissions of the file and its folder)"
    default:
      break
    }
    self.init(code: code, message: message, path: path, sqliteCode: result)
  }

  /// The code for an SQLite result code.
  static func code(for result: Int32) -> Code {
    switch result & 0xff {
    case SQLITE_BUSY, SQLITE_LOCKED: .busy
    case SQLITE_CORRUPT, SQLITE_NOTADB, SQLITE_FORMAT: .corrupt
    case SQLITE_CANTOPEN, SQLITE_PERM, SQLITE_AUTH: .cannotOpen
    case SQLITE_READONLY: .readOnly
    case SQLITE_FULL: .diskFull
    case SQLITE_IOERR: .io
    case SQLITE_CONSTRAINT: .constraint
    case SQLITE_MISMATCH, SQLITE_TOOBIG, SQLITE_RANGE: .invalidValue
    default: .sqlite
    }
  }

  /// Whether retrying later may succeed (the database was busy or locked).
  var isBusy: Bool { code == .busy }
}
