import Foundation
import StateStore

/// An account's history: appending and reading its events.
extension AccountStore {
  /// Appends an event to the account's history (e.g. the agent manager's `switched`).
  ///
  /// - Throws: ``StoreError`` with code `notFound` when the account does not exist.
  @discardableResult
  public func appendEvent(accountID: String, type: String, message: String? = nil, at now: Date = Date())
    throws(StoreError) -> AccountEvent
  {
    let path = path
    return try database.write { (connection) throws(StoreError) -> AccountEvent in
      guard try Self.fetch(id: accountID, connection) != nil else { throw Self.notFound(accountID, path) }
      return try Self.insertEvent(
        AccountEvent(id: 0, accountID: accountID, time: now, type: type, message: message), connection)
    }
  }

  /// The account's last `limit` events, oldest first.
  public func events(accountID: String, limit: Int = 20) throws(StoreError) -> [AccountEvent] {
    try database.read { (connection) throws(StoreError) -> [AccountEvent] in
      try connection.with(AccountRows.selectEvents) { (statement) throws(StoreError) -> [AccountEvent] in
        statement.bind(accountID, at: 0)
        statement.bind(limit, at: 1)
        var events: [AccountEvent] = []
        while try statement.step() { events.append(AccountRows.event(statement)) }
        return events
      }
    }
  }

  @discardableResult
  static func insertEvent(_ event: AccountEvent, _ connection: any StoreConnection) throws(StoreError)
    -> AccountEvent
  {
    try connection.with(AccountRows.insertEvent) { (statement) throws(StoreError) -> AccountEvent in
      statement.bind(event.accountID, at: 0)
      statement.bind(event.time.timeIntervalSince1970, at: 1)
      statement.bind(event.type, at: 2)
      statement.bind(event.message, at: 3)
      try statement.run()
      var stored = event
      stored.id = try connection.lastInsertedID()
      stored.time = exact(event.time)
      return stored
    }
  }

}
