import Foundation

/// Whether a branch exists in a repository, read from its ref files rather than by running git, so
/// that choosing a name whose branch is free costs a spawn no process per candidate.
///
/// Loose refs (`refs/heads/<branch>`) and `packed-refs` are read; a repository in the reftable
/// format is asked through git. git itself still has the last word: it refuses to make a branch
/// that exists.
final class BranchLookup {
  private let commonDirectory: String
  private let repository: String
  private let isReftable: Bool
  private var packed: Set<String>?

  /// A lookup for the repository at `repository`, whose common git directory is `commonDirectory`.
  init(repository: String, commonDirectory: String) {
    self.repository = repository
    self.commonDirectory = commonDirectory
    isReftable = FileSystem.entryExists(commonDirectory + "/reftable")
  }

  /// Whether `branch` (a name without `refs/heads/`) exists.
  func contains(_ branch: String) -> Bool {
    if isReftable { return Worktrees().branchExists(branch, in: repository) }
    if FileSystem.entryExists(commonDirectory + "/refs/heads/" + branch) { return true }
    return packedBranches().contains(branch)
  }

  /// The branches in `packed-refs`, read once: lines `<id> refs/heads/<branch>`, besides `#`
  /// headers and `^` peeled ids.
  private func packedBranches() -> Set<String> {
    if let packed { return packed }
    var branches: Set<String> = []
    if let data = FileSystem.contents(atPath: commonDirectory + "/packed-refs") {
      for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
        guard let space = line.firstIndex(of: " ") else { continue }
        let reference = line[line.index(after: space)...]
        if reference.hasPrefix("refs/heads/") {
          branches.insert(String(reference.dropFirst("refs/heads/".count)))
        }
      }
    }
    packed = branches
    return branches
  }
}
