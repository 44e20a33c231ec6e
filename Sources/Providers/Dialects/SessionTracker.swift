import ProviderKit

/// Emits `sessionStarted` once per distinct session id a run reports.
struct SessionTracker: Sendable {
  private var current: String?
  private var seen: Set<String> = []

  /// Reports `id` when it is a new, non-empty id.
  mutating func observe(_ id: String?, into events: inout EventList) {
    // Most lines repeat the current id: one string comparison and done.
    guard let id, id != current, !id.isEmpty else { return }
    current = id
    if seen.insert(id).inserted { events.append(.sessionStarted(id: id)) }
  }
}
