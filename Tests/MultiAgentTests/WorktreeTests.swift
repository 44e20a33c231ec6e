import Foundation
import MultiAgent
import TestSupport
import Testing

/// Real git worktrees: created on our branch, removed with it, the user's branches untouched.
@Suite struct WorktreeTests {
  let directory: TemporaryDirectory
  let repository: String
  let worktrees = Worktrees()

  init() throws {
    directory = try TemporaryDirectory(prefix: "wt")
    repository = directory.path("repo")
    try GitRepository.create(at: repository)
    try GitRepository.git(["branch", "user-branch"], in: repository)
  }

  @Test func addCreatesAWorktreeOnANewBranchAndRemoveDeletesBoth() throws {
    let sub = repository + "/sub"
    try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
    let root = try worktrees.repositoryRoot(containing: sub)
    #expect(
      URL(fileURLWithPath: root).resolvingSymlinksInPath()
        == URL(fileURLWithPath: repository).resolvingSymlinksInPath())
    let base = try worktrees.resolveCommit("HEAD", in: root)
    let path = directory.path("worktrees/brave-otter")
    try worktrees.add(repository: root, path: path, branch: "multiagent/brave-otter", base: base)
    #expect(FileManager.default.fileExists(atPath: path + "/.git"))
    #expect(
      try GitRepository.git(["rev-parse", "--abbrev-ref", "HEAD"], in: path) == "multiagent/brave-otter\n")

    try worktrees.remove(repository: root, path: path)
    try worktrees.deleteBranch("multiagent/brave-otter", in: root)
    #expect(!FileManager.default.fileExists(atPath: path))
    #expect(!worktrees.branchExists("multiagent/brave-otter", in: root))
    #expect(worktrees.branchExists("user-branch", in: root))
    #expect(worktrees.branchExists("main", in: root))
  }

  @Test func aBranchWeDidNotCreateIsNeverDeleted() throws {
    let error = #expect(throws: WorktreeError.self) {
      try worktrees.deleteBranch("user-branch", in: repository)
    }
    #expect(error?.message.contains("did not create") == true)
    #expect(worktrees.branchExists("user-branch", in: repository))
  }

  @Test func notARepositorySuggestsNoWorktree() throws {
    let plain = directory.path("plain")
    try FileManager.default.createDirectory(atPath: plain, withIntermediateDirectories: true)
    let error = #expect(throws: WorktreeError.self) { try worktrees.repositoryRoot(containing: plain) }
    #expect(error?.code == .notARepository)
    // Facts, not the CLI's options: the CLI's hint suggests --no-worktree (LifecycleErrorTests).
    #expect(error?.message == "\(plain) is not inside a git repository")
  }

  @Test func unknownBaseIsAClearError() {
    let error = #expect(throws: WorktreeError.self) {
      try worktrees.resolveCommit("no-such-ref", in: repository)
    }
    #expect(error?.code == .invalidRef)
    #expect(throws: WorktreeError.self) { try worktrees.resolveCommit("--help", in: repository) }
  }

  @Test func existingBranchIsRefusedAndNothingIsLeft() throws {
    try GitRepository.git(["branch", "multiagent/taken"], in: repository)
    let path = directory.path("worktrees/taken")
    let error = #expect(throws: WorktreeError.self) {
      try worktrees.add(repository: repository, path: path, branch: "multiagent/taken", base: "HEAD")
    }
    #expect(error?.code == .branchExists)
    #expect(!FileManager.default.fileExists(atPath: path))
  }
}
