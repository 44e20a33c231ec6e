import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The lock that serializes multiagent's worktree operations on one repository across threads and
/// processes: `flock` on `<git-common-dir>/multiagent-worktree.lock`.
///
/// Concurrent `git worktree add`s into one repository race inside git (and a `worktree prune` may
/// take a worktree still being made for its leftover); holding this lock around every add, remove
/// and branch delete makes each one see the repository as the previous one left it.
struct RepositoryLock {
  /// The lock file's name inside the repository's common git directory.
  static let fileName = "multiagent-worktree.lock"

  /// How long to wait for another holder before giving up.
  static let timeout: Duration = .seconds(120)

  /// Runs `body` holding the lock of `repository`, with the repository's common git directory. A
  /// repository whose git directory cannot be found (gone, or not a repository) has nothing to
  /// serialize: `body` runs without the lock, given `nil`.
  ///
  /// The lock is not reentrant: `body` must not take it again.
  ///
  /// - Throws: ``WorktreeError`` (`gitFailed`) when the lock file cannot be opened or stays held
  ///   past ``timeout``; whatever `body` throws.
  ///
  /// - Parameter known: the repository's common git directory, when the caller found it already.
  static func holding<T>(
    _ repository: String, commonDirectory known: String? = nil, git: GitRunner,
    _ body: (_ commonDirectory: String?) throws(WorktreeError) -> T
  ) throws(WorktreeError) -> T {
    guard let directory = known ?? commonDirectory(of: repository, git: git) else { return try body(nil) }
    let path = directory + "/" + fileName
    let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
    guard descriptor >= 0 else {
      throw WorktreeError(
        .gitFailed, "cannot open the worktree lock \(path): \(String(cString: strerror(errno)))")
    }
    defer { close(descriptor) }
    let deadline = ContinuousClock.now + timeout
    while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
      let error = errno
      guard error == EWOULDBLOCK || error == EINTR else {
        throw WorktreeError(.gitFailed, "cannot lock \(path): \(String(cString: strerror(error)))")
      }
      guard ContinuousClock.now < deadline else {
        throw WorktreeError(
          .gitFailed, "\(path) stayed locked by another multiagent process for \(timeout); try again")
      }
      usleep(5_000)
    }
    defer { flock(descriptor, LOCK_UN) }
    return try body(directory)
  }

  /// The absolute common git directory of `repository` (shared by all its worktrees), if it is one.
  static func commonDirectory(of repository: String, git: GitRunner) -> String? {
    guard FileManager.default.fileExists(atPath: repository),
      let output = try? git.run(["rev-parse", "--git-common-dir"], in: repository), output.status == 0
    else { return nil }
    let directory = output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !directory.isEmpty else { return nil }
    return directory.hasPrefix("/") ? directory : FileSystem.absolute(repository + "/" + directory)
  }
}
