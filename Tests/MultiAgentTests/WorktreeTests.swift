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

  @Test func locateFindsTheRootTheCommonDirectoryAndTheBaseFromASubdirectory() throws {
    let sub = repository + "/sub/deeper"
    try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
    let location = try worktrees.locate(sub, base: "HEAD")
    let real = { (path: String) in URL(fileURLWithPath: path).resolvingSymlinksInPath().path }
    #expect(real(location.root) == real(repository))
    #expect(location.commonDirectory.hasPrefix("/"))
    #expect(real(location.commonDirectory) == real(repository + "/.git"))
    #expect(
      location.baseCommit
        == (try GitRepository.git(["rev-parse", "HEAD"], in: repository)).trimmingCharacters(in: .newlines))
    #expect(location.baseCommit.count == 40)

    // From a linked worktree, the common directory is still the main repository's.
    let linked = directory.path("linked")
    try GitRepository.git(["worktree", "add", "--quiet", "-b", "linked", linked], in: repository)
    let fromLinked = try worktrees.locate(linked, base: "user-branch")
    #expect(real(fromLinked.root) == real(linked))
    #expect(real(fromLinked.commonDirectory) == real(repository + "/.git"))
  }

  @Test func locateSaysWhatIsWrong() throws {
    let plain = directory.path("plain")
    try FileManager.default.createDirectory(atPath: plain, withIntermediateDirectories: true)
    #expect(throws: WorktreeError(.notARepository, "\(plain) is not inside a git repository")) {
      try worktrees.locate(plain, base: "HEAD")
    }
    let missing = directory.path("missing")
    #expect(throws: WorktreeError(.notARepository, "directory \(missing) does not exist")) {
      try worktrees.locate(missing, base: "HEAD")
    }
    let bad = #expect(throws: WorktreeError.self) { try worktrees.locate(repository, base: "no-such-ref") }
    #expect(bad?.code == .invalidRef)
    #expect(bad?.message.hasPrefix("base \"no-such-ref\" is not a commit in ") == true)
    #expect(throws: WorktreeError(.invalidRef, "invalid base ref \"--help\"")) {
      try worktrees.locate(repository, base: "--help")
    }
    let empty = directory.path("empty")
    try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
    try GitRepository.git(["init", "--quiet"], in: empty)
    let none = #expect(throws: WorktreeError.self) { try worktrees.locate(empty, base: "HEAD") }
    #expect(none?.code == .invalidRef)
    #expect(none?.message.hasSuffix("has no commits yet") == true)
  }

  @Test func anAddThatFailsAfterMakingItsBranchDeletesThatBranch() throws {
    // The parent of the path is a file: the branch is made, then `git worktree add` fails.
    let file = directory.path("a-file")
    try "x".write(toFile: file, atomically: true, encoding: .utf8)
    let location = try worktrees.locate(repository, base: "HEAD")
    let error = #expect(throws: WorktreeError.self) {
      try worktrees.add(
        repository: location.root, path: file + "/wt", branch: "multiagent/doomed", base: location.baseCommit,
        commonDirectory: location.commonDirectory)
    }
    #expect(error?.code == .gitFailed)
    #expect(!worktrees.branchExists("multiagent/doomed", in: repository))
    #expect(worktrees.branchExists("user-branch", in: repository))
  }

  @Test func anExistingBranchIsRefusedWithTheKnownCommonDirectoryAndKeepsItsCommit() throws {
    try GitRepository.git(["branch", "multiagent/kept", "user-branch"], in: repository)
    let before = try GitRepository.git(["rev-parse", "multiagent/kept"], in: repository)
    let location = try worktrees.locate(repository, base: "HEAD")
    let path = directory.path("worktrees/kept")
    let error = #expect(throws: WorktreeError.self) {
      try worktrees.add(
        repository: location.root, path: path, branch: "multiagent/kept", base: location.baseCommit,
        commonDirectory: location.commonDirectory)
    }
    #expect(error?.code == .branchExists)
    #expect(!FileManager.default.fileExists(atPath: path))
    #expect(try GitRepository.git(["rev-parse", "multiagent/kept"], in: repository) == before)
  }
}
