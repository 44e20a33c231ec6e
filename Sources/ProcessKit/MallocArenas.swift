import CMultiAgentShims

/// How glibc's malloc spreads a process's heap over arenas.
public enum MallocArenas {
  /// Keeps every thread's allocations in the one main arena, so that the first allocation on a
  /// worker thread does not reserve an arena of its own and grow it with `mprotect` calls. For a
  /// short-lived process whose work runs on one thread at a time (call it first thing in `main`).
  ///
  /// - Returns: whether malloc took the setting (always `true` off glibc, where it means nothing).
  @discardableResult
  public static func useOne() -> Bool {
    multiagent_use_one_malloc_arena() == 0
  }
}
