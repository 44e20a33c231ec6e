import CSQLite

/// Why a store operation failed: a stable ``Code`` to branch on, and a message for people (the
/// SQLite message where SQLite failed), naming the database file.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
  /// What kind of failure this is.
  public enum Code: String, Sendable, Hashable, Codable {
    /// An agent with this name already exists (names are unique, ignoring ASCII case).
    case nameTaken = "name_taken"
    /// An agent with this id already exists.
    case idTaken = "id_taken"
    /// The agent (or the parent agent) does not exist.
    case notFound = "not_found"
    /// The database stayed locked by other processes past every timeout and retry.
    case busy
    /// The file is not a SQLite database, belongs to another application, or is damaged.
    case corrupt
    /// The database was written by a newer multiagent whose schema this build does not know.
    case schemaTooNew = "schema_too_new"
    /// The file (or its folder) cannot be opened or created.
    case cannotOpen = "cannot_open"
    /// The database is read-only (permissions, read-only file system).
    case readOnly = "read_only"
    /// The disk is full.
    case diskFull = "disk_full"
    /// A read or write of the file failed.
    case io
    /// A constraint other than a duplicate name or id failed.
    case constraint
    /// A stored value cannot be decoded, or a value to store is invalid.
    case invalidValue = "invalid_value"
    /// Any other SQLite failure.
    case sqlite
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
  init(result: Int32, sqliteMessage: String, path: String?, context: String) {
    let code = Self.code(for: result)
    var message = "\(context): \(sqliteMessage)"
    switch code {
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
