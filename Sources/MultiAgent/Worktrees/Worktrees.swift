import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Git worktrees for agents: one per agent at `<home>/worktrees/<name>` on a new branch
/// `multiagent/<name>`, and their removal — never touching a branch multiagent did not create.
public struct Worktrees: Sendable {
  private let git = GitRunner()

  /// Creates the helper.
  public init() {}

  /// The top-level directory of the git repository containing `path`.
  ///
  /// - Throws: ``WorktreeError`` with code `notARepository` when `path` is not inside one.
  public func repositoryRoot(containing path: String) throws(WorktreeError) -> String {
    guard FileSystem.exists(path) else { throw Self.noDirectory(path) }
    let output = try run(["rev-parse", "--show-toplevel"], in: path)
    guard output.status == 0 else { throw Self.notARepository(path) }
    return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// The commit `ref` names in `repository` (``locate(_:base:)``'s `baseCommit`).
  public func resolveCommit(_ ref: String, in repository: String) throws(WorktreeError) -> String {
    try locate(repository, base: ref).baseCommit
  }

  /// The repository containing `directory`, its common git directory and the commit `base` names
  /// there, found with a single `git rev-parse` (each git process costs a spawn a millisecond or two).
  ///
  /// - Throws: ``WorktreeError`` with code `notARepository` when `directory` is not inside a
  ///   repository with a work tree, `invalidRef` when `base` is not a commit there (or unsafe).
  public func locate(_ directory: String, base: String) throws(WorktreeError) -> RepositoryLocation {
    guard FileSystem.exists(directory) else { throw Self.noDirectory(directory) }
    guard !base.hasPrefix("-") else { throw WorktreeError(.invalidRef, "invalid base ref \"\(base)\"") }
    let output = try run(
      ["rev-parse", "--show-toplevel", "--git-common-dir", "--verify", "--quiet", "\(base)^{commit}"],
      in: directory)
    // Each option prints its line before the ref is looked up: two lines mean a repository.
    let lines = output.stdout.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    guard lines.count >= 2 else { throw Self.notARepository(directory) }
    let root = lines[0]
    guard output.status == 0, lines.count == 3 else {
      throw WorktreeError(
        .invalidRef,
        base == "HEAD"
          ? "the repository at \(root) has no commits yet"
          : "base \"\(base)\" is not a commit in \(root)")
    }
    // git prints the common directory relative to where it ran, unless it is elsewhere.
    let common = lines[1].hasPrefix("/") ? lines[1] : FileSystem.absolute(directory + "/" + lines[1])
    return RepositoryLocation(root: root, commonDirectory: common, baseCommit: lines[2])
  }

  private static func noDirectory(_ path: String) -> WorktreeError {
    WorktreeError(.notARepository, "directory \(path) does not exist")
  }

  private static func notARepository(_ path: String) -> WorktreeError {
    WorktreeError(.notARepository, "\(path) is not inside a git repository")
  }

  /// Whether `branch` exists in `repository`.
  public func branchExists(_ branch: String, in repository: String) -> Bool {
    (try? run(["show-ref", "--verify", "--quiet", "refs/heads/\(branch)"], in: repository).status) == 0
  }

  /// Adds a worktree at `path` on a new branch `branch` starting at `base`, holding the
  /// repository's worktree lock (see ``RepositoryLock``). Where it can, with one git process (see
  /// `LinkedWorktree`); otherwise with `git branch` and `git worktree add`.
  ///
  /// - Parameter commonDirectory: the repository's common git directory, when known (from
  ///   ``locate(_:base:)``); without it, git is asked.
  /// - Throws: ``WorktreeError`` when the branch or path exists already or git fails; nothing is
  ///   left behind — not even the branch, when this call made it.
  public func add(
    repository: String, path: String, branch: String, base: String, commonDirectory: String? = nil
  ) throws(WorktreeError) {
    try RepositoryLock.holding(repository, commonDirectory: commonDirectory, git: git) {
      (common) throws(WorktreeError) in
      if FileSystem.entryExists(path) {
        throw WorktreeError(
          .pathExists, "\(path) already exists")
      }
      if let common, LinkedWorktree.isPossible(commonDirectory: common, path: path, base: base) {
        let linked = LinkedWorktree(
          repository: repository, commonDirectory: common, path: path, branch: branch, commit: base)
        return try linked.create(git: git)
      }
      // The branch first, on its own: git refuses one that exists, and then nothing was made (a
      // branch that was there before, say kept by `delete --keep-branch`, is never touched).
      let made = try run(["branch", "--quiet", "--no-track", branch, base], in: repository)
      guard made.status == 0 else {
        if branchExists(branch, in: repository) {
          throw WorktreeError(
            .branchExists, "branch \(branch) already exists in \(repository)")
        }
        throw WorktreeError(
          .gitFailed, "git branch \(branch) failed: \(made.stderr.trimmedOfWhitespaceAndNewlines)")
      }
      let output = try run(["worktree", "add", "--quiet", path, branch], in: repository)
      guard output.status == 0 else {
        // Whatever git made is this call's: under the lock, the path was free above and the branch new.
        try? removeLocked(repository: repository, path: path)
        try? deleteBranchLocked(branch, in: repository)
        throw WorktreeError(
          .gitFailed,
          "git worktree add failed: \(output.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
      }
    }
  }

  /// Removes the worktree at `path` (even with local changes) and prunes git's record of it,
  /// holding the repository's worktree lock. A symbolic link at `path` is removed itself, never
  /// followed: what it points to is not the agent's.
  public func remove(repository: String, path: String) throws(WorktreeError) {
    try RepositoryLock.holding(repository, git: git) { (common) throws(WorktreeError) in
      try removeLocked(repository: repository, path: path)
      if let common { LinkedWorktree.removeInterruptedEntry(commonDirectory: common, path: path) }
    }
  }

  /// Deletes `branch`, which must be one multiagent created, holding the repository's worktree lock.
  public func deleteBranch(_ branch: String, in repository: String) throws(WorktreeError) {
    guard branch.hasPrefix("multiagent/") else {
      throw WorktreeError(.invalidRef, "refusing to delete branch \(branch): multiagent did not create it")
    }
    try RepositoryLock.holding(repository, git: git) { (_) throws(WorktreeError) in
      try deleteBranchLocked(branch, in: repository)
    }
  }

  /// ``remove(repository:path:)`` for a caller holding the lock.
  private func removeLocked(repository: String, path: String) throws(WorktreeError) {
    if FileSystem.isSymbolicLink(path) {
      // `git worktree remove` would resolve the link and remove the worktree it points to. Without
      // the link, git's record of the worktree is stale, and pruned below.
      guard unlink(path) == 0 || errno == ENOENT else {
        throw WorktreeError(.gitFailed, "cannot remove the link \(path): \(String(cString: strerror(errno)))")
      }
    }
    if FileManager.default.fileExists(atPath: repository) {
      if FileSystem.entryExists(path) {
        _ = try run(["worktree", "remove", "--force", "--force", path], in: repository)
      }
      _ = try run(["worktree", "prune"], in: repository)
    }
    if FileSystem.entryExists(path) {
      do { try FileManager.default.removeItem(atPath: path) } catch {
        throw WorktreeError(.gitFailed, "cannot remove \(path): \(error.localizedDescription)")
      }
    }
  }

  /// ``deleteBranch(_:in:)`` for a caller holding the lock.
  private func deleteBranchLocked(_ branch: String, in repository: String) throws(WorktreeError) {
    guard branch.hasPrefix("multiagent/") else {
      throw WorktreeError(.invalidRef, "refusing to delete branch \(branch): multiagent did not create it")
    }
    guard branchExists(branch, in: repository) else { return }
    let output = try run(["branch", "-D", branch], in: repository)
    guard output.status == 0 else {
      throw WorktreeError(.gitFailed, "git branch -D \(branch) failed: \(output.stderr)")
    }
  }

  private func run(_ arguments: [String], in directory: String) throws(WorktreeError) -> GitRunner.Output {
    do {
      return try git.run(arguments, in: directory)
    } catch {
      throw WorktreeError(
        .gitFailed, "cannot run git: \(error.message); is git installed?", underlying: error)
    }
  }
}

/// Why a worktree operation failed.
public struct WorktreeError: Error, Sendable, Hashable, CustomStringConvertible {
  /// What kind of failure.
  public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The code's name (stable; printed in messages and `--json` errors).
    public let rawValue: String

    /// A code called `rawValue`.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// The name.
    public var description: String { rawValue }

    /// The directory is not inside a git repository.
    public static let notARepository = Code(rawValue: "notARepository")
    /// A ref is not a commit, or is unsafe.
    public static let invalidRef = Code(rawValue: "invalidRef")
    /// The agent's branch exists already.
    public static let branchExists = Code(rawValue: "branchExists")
    /// The agent's worktree path exists already.
    public static let pathExists = Code(rawValue: "pathExists")
    /// git itself failed.
    public static let gitFailed = Code(rawValue: "gitFailed")
  }

  /// What kind of failure.
  public var code: Code
  /// What is wrong and how to fix it.
  public var message: String
  /// The error this one was made from (a `ProcessError` when git could not run), if any.
  public var underlying: (any Error & Sendable)?

  /// Creates an error.
  public init(_ code: Code, _ message: String, underlying: (any Error & Sendable)? = nil) {
    self.code = code
    self.message = message
    self.underlying = underlying
  }

  /// Errors are equal when their code and message are.
  public static func == (lhs: WorktreeError, rhs: WorktreeError) -> Bool {
    lhs.code == rhs.code && lhs.message == rhs.message
  }

  /// Hashes the code and message.
  public func hash(into hasher: inout Hasher) {
    hasher.combine(code)
    hasher.combine(message)
  }

  /// The message.
  public var description: String { message }
}
