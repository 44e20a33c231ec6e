/// Where an agent's worktree comes from: the repository containing a directory, its common git
/// directory (shared by all its worktrees, where ``Worktrees`` keeps its lock) and the commit the
/// agent's branch starts at — as one `git rev-parse` finds them (see ``Worktrees/locate(_:base:)``).
public struct RepositoryLocation: Sendable, Hashable {
  /// The repository's top-level directory.
  public var root: String
  /// The absolute common git directory of the repository.
  public var commonDirectory: String
  /// The full commit id the base ref named.
  public var baseCommit: String

  /// Creates a location.
  public init(root: String, commonDirectory: String, baseCommit: String) {
    self.root = root
    self.commonDirectory = commonDirectory
    self.baseCommit = baseCommit
  }
}
