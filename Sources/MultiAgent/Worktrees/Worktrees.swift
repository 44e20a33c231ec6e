import Foundation
import StateStore

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
    guard FileManager.default.fileExists(atPath: path) else {
      throw WorktreeError(.notARepository, "directory \(path) does not exist")
    }
    let output = try run(["rev-parse", "--show-toplevel"], in: path)
    guard output.status == 0 else {
      throw WorktreeError(
        .notARepository,
        "\(path) is not inside a git repository")
    }
    return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// The commit `ref` names in `repository`.
  public func resolveCommit(_ ref: String, in repository: String) throws(WorktreeError) -> String {
    guard !ref.hasPrefix("-") else { throw WorktreeError(.invalidRef, "invalid base ref \"\(ref)\"") }
    let output = try run(["rev-parse", "--verify", "--quiet", "\(ref)^{commit}"], in: repository)
    guard output.status == 0 else {
      throw WorktreeError(
        .invalidRef,
        ref == "HEAD"
          ? "the repository at \(repository) has no commits yet"
          : "base \"\(ref)\" is not a commit in \(repository)")
    }
    return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// Whether `branch` exists in `repository`.
  public func branchExists(_ branch: String, in repository: String) -> Bool {
    (try? run(["show-ref", "--verify", "--quiet", "refs/heads/\(branch)"], in: repository).status) == 0
  }

  /// Adds a worktree at `path` on a new branch `branch` starting at `base`.
  ///
  /// - Throws: ``WorktreeError`` when the branch exists already or git fails; nothing is left behind.
  public func add(repository: String, path: String, branch: String, base: String) throws(WorktreeError) {
    if branchExists(branch, in: repository) {
      throw WorktreeError(
        .branchExists, "branch \(branch) already exists in \(repository)")
    }
    // lstat, not stat: a dangling symbolic link is in the way too (git would create through it).
    if PrivatePath.kind(of: path) != .missing {
      throw WorktreeError(
        .pathExists, "\(path) already exists")
    }
    let output = try run(["worktree", "add", "--quiet", "-b", branch, path, base], in: repository)
    guard output.status == 0 else {
      try? remove(repository: repository, path: path)
      throw WorktreeError(
        .gitFailed,
        "git worktree add failed: \(output.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
    }
  }

  /// Removes the worktree at `path` (even with local changes) and prunes git's record of it.
  public func remove(repository: String, path: String) throws(WorktreeError) {
    if FileManager.default.fileExists(atPath: repository) {
      _ = try run(["worktree", "remove", "--force", "--force", path], in: repository)
      _ = try run(["worktree", "prune"], in: repository)
    }
    if FileManager.default.fileExists(atPath: path) {
      do { try FileManager.default.removeItem(atPath: path) } catch {
        throw WorktreeError(.gitFailed, "cannot remove \(path): \(error.localizedDescription)")
      }
    }
  }

  /// Deletes `branch`, which must be one multiagent created.
  public func deleteBranch(_ branch: String, in repository: String) throws(WorktreeError) {
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
      throw WorktreeError(.gitFailed, "cannot run git: \(error.message); is git installed?")
    }
  }
}

/// Why a worktree operation failed.
public struct WorktreeError: Error, Sendable, Hashable, CustomStringConvertible {
  /// What kind of failure.
  public enum Code: String, Sendable, Hashable {
    /// The directory is not inside a git repository.
    case notARepository
    /// A ref is not a commit, or is unsafe.
    case invalidRef
    /// The agent's branch exists already.
    case branchExists
    /// The agent's worktree path exists already.
    case pathExists
    /// git itself failed.
    case gitFailed
  }

  /// What kind of failure.
  public var code: Code
  /// What is wrong and how to fix it.
  public var message: String

  /// Creates an error.
  public init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }

  /// The message.
  public var description: String { message }
}
