import CMultiAgentShims
import Synchronization

/// The supervisor process as a child subreaper (Linux): the descendants its CLI orphans (a
/// background job whose shell exited) become its children instead of init's, so it reaps them,
/// and after a run "no child left" proves that nothing of the run is left, with no need to scan
/// the process table.
///
/// Only a process that is nothing but a supervisor should become one (the `multiagent`
/// supervisor does); a library user's process is left as it is.
public enum Subreaper {
  private static let active = Atomic<Bool>(false)

  /// Makes this process a child subreaper.
  ///
  /// - Returns: whether it is one now (not on systems without the facility).
  @discardableResult
  public static func become() -> Bool {
    let done = multiagent_become_child_subreaper() == 0
    if done { active.store(true, ordering: .relaxed) }
    return done
  }

  /// Whether ``become()`` succeeded in this process.
  public static var isActive: Bool { active.load(ordering: .relaxed) }

  /// Reaps the children that exited, except `keep` (the running CLI, whose status its own wait
  /// collects).
  ///
  /// - Returns: whether any child is left (running, or `keep`).
  @discardableResult
  public static func reapExitedChildren(keeping keep: Int32 = 0) -> Bool {
    multiagent_reap_exited_children(keep) != 0
  }
}
