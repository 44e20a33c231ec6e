import Foundation
import JSONKit
import StateStore

/// The non-secret columns of `accounts`, in SELECT order; parameter `?N` of INSERT and UPDATE is
/// column N-1. `secret` is deliberately not one of them: it is only ever read by
/// ``AccountStore/secret(id:)`` and written by ``AccountStore/add(provider:label:kind:secret:at:)`` and
/// ``AccountStore/replaceSecret(id:_:)``.
enum AccountColumn: Int32, CaseIterable {
  case id, provider, label, kind, status, exhaustedUntil, lastUsedAt, recentErrorCount, lastError
  case configDirectory, createdAt

  /// The SQL column name.
  var name: String {
    switch self {
    case .id: "id"
    case .provider: "provider"
    case .label: "label"
    case .kind: "kind"
    case .status: "status"
    case .exhaustedUntil: "exhausted_until"
    case .lastUsedAt: "last_used_at"
    case .recentErrorCount: "recent_error_count"
    case .lastError: "last_error"
    case .configDirectory: "config_directory"
    case .createdAt: "created_at"
    }
  }
}

/// SQL text and row mapping for `accounts` and `account_events`. All values are bound as parameters.
enum AccountRows {
  static let columnList = AccountColumn.allCases.map(\.name).joined(by: ", ")
  static let select = "SELECT \(columnList) FROM accounts"
  static let selectByID = select + " WHERE id = ?"
  static let selectByLabel = select + " WHERE provider = ? AND label = ?"
  static let selectAllByLabel = select + " WHERE label = ? ORDER BY provider, created_at, rowid"
  static let selectAll = select + " ORDER BY provider, created_at, rowid"
  static let selectByProvider = select + " WHERE provider = ? ORDER BY created_at, rowid"
  /// The row plus `?12`, the secret.
  static let insert =
    "INSERT INTO accounts (\(columnList), secret) VALUES ("
    + AccountColumn.allCases.map { "?\($0.rawValue + 1)" }.joined(by: ", ")
    + ", ?\(AccountColumn.allCases.count + 1))"
  static let update =
    "UPDATE accounts SET "
    + AccountColumn.allCases.dropFirst().map { "\($0.name) = ?\($0.rawValue + 1)" }.joined(by: ", ")
    + " WHERE id = ?1"
  static let selectSecret = "SELECT kind, secret FROM accounts WHERE id = ?"
  static let updateSecret = "UPDATE accounts SET secret = ?2 WHERE id = ?1"
  static let delete = "DELETE FROM accounts WHERE id = ?"

  static let eventColumns = "id, account_id, time, type, message"
  static let insertEvent = "INSERT INTO account_events (account_id, time, type, message) VALUES (?, ?, ?, ?)"
  static let selectEvents =
    "SELECT \(eventColumns) FROM (SELECT \(eventColumns) FROM account_events WHERE account_id = ? "
    + "ORDER BY id DESC LIMIT ?) AS recent ORDER BY id"

  // MARK: Accounts

  /// Binds every non-secret column of `account` to an INSERT or UPDATE statement.
  static func bind(_ account: Account, to statement: any StoreStatement) {
    func at(_ column: AccountColumn) -> Int32 { column.rawValue }
    statement.bind(account.id, at: at(.id))
    statement.bind(account.provider, at: at(.provider))
    statement.bind(account.label, at: at(.label))
    statement.bind(account.kind.rawValue, at: at(.kind))
    statement.bind(account.status.rawValue, at: at(.status))
    statement.bind(account.exhaustedUntil?.timeIntervalSince1970, at: at(.exhaustedUntil))
    statement.bind(account.lastUsedAt?.timeIntervalSince1970, at: at(.lastUsedAt))
    statement.bind(account.recentErrorCount, at: at(.recentErrorCount))
    statement.bind(account.lastError, at: at(.lastError))
    statement.bind(account.configDirectory, at: at(.configDirectory))
    statement.bind(account.createdAt.timeIntervalSince1970, at: at(.createdAt))
  }

  /// The account in the current row of a statement that selected ``columnList``.
  static func account(_ statement: any StoreStatement, path: String) throws(StoreError) -> Account {
    func text(_ column: AccountColumn) -> String? { statement.string(column.rawValue) }
    func date(_ column: AccountColumn) -> Date? {
      statement.double(column.rawValue).map { Date(timeIntervalSince1970: $0) }
    }
    let id = text(.id) ?? ""
    guard let kind = text(.kind).flatMap(Account.Kind.init(rawValue:)) else {
      throw StoreError(
        code: .invalidValue, message: "account \(id) has an unknown kind \"\(text(.kind) ?? "")\"", path: path
      )
    }
    guard let status = text(.status).flatMap(Account.Status.init(rawValue:)) else {
      throw StoreError(
        code: .invalidValue, message: "account \(id) has an unknown status \"\(text(.status) ?? "")\"",
        path: path)
    }
    return Account(
      id: id, provider: text(.provider) ?? "", label: text(.label) ?? "", kind: kind, status: status,
      exhaustedUntil: date(.exhaustedUntil), lastUsedAt: date(.lastUsedAt),
      recentErrorCount: Int(statement.int64(AccountColumn.recentErrorCount.rawValue) ?? 0),
      lastError: text(.lastError), configDirectory: text(.configDirectory) ?? "",
      createdAt: date(.createdAt) ?? Date(timeIntervalSince1970: 0))
  }

  // MARK: Events

  /// The event in the current row of a statement that selected ``eventColumns``.
  static func event(_ statement: any StoreStatement) -> AccountEvent {
    AccountEvent(
      id: statement.int64(0) ?? 0, accountID: statement.string(1) ?? "",
      time: Date(timeIntervalSince1970: statement.double(2) ?? 0), type: statement.string(3) ?? "",
      message: statement.string(4))
  }
}
