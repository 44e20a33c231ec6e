import Foundation
import TestSupport
import Testing

@testable import MultiAgent

/// The worktree made with one git process (`LinkedWorktree`) is the one `git worktree add` makes,
/// repositories that need more go through git's own commands, and a failed or interrupted add
/// leaves nothing behind.
@Suite struct LinkedWorktreeTests {
  let directory: TemporaryDirectory
  let repository: String
  let worktrees = Worktrees()

  init() throws {
    directory = try TemporaryDirectory(prefix: "lwt")
    repository = directory.path("repo")
    try GitRepository.create(at: repository)
    let files = FileManager.default
    try files.createDirectory(atPath: repository + "/tools", withIntermediateDirectories: true)
    try "alpha\n".write(toFile: repository + "/a.txt", atomically: true, encoding: .utf8)
    try "#!/bin/sh\necho hi\n".write(toFile: repository + "/tools/run.sh", atomically: true, encoding: .utf8)
    try files.setAttributes([.posixPermissions: 0o755], ofItemAtPath: repository + "/tools/run.sh")
    try files.createSymbolicLink(atPath: repository + "/link", withDestinationPath: "a.txt")
    try GitRepository.git(["add", "-A"], in: repository)
    try GitRepository.git(["commit", "-q", "-m", "files"], in: repository)
  }

  private func git(_ arguments: [String], in directory: String? = nil) throws -> String {
    try GitRepository.git(arguments, in: directory ?? repository).trimmingCharacters(in: .newlines)
  }

  private func real(_ path: String) -> String { URL(fileURLWithPath: path).resolvingSymlinksInPath().path }

  private var common: String { repository + "/.git" }

  @Test func theDirectWorktreeIsTheOneGitWorktreeAddMakes() throws {
    let base = try git(["rev-parse", "HEAD"])
    let path = directory.path("worktrees/swift-heron")
    #expect(LinkedWorktree.isPossible(commonDirectory: common, path: path, base: base))
    try worktrees.add(
      repository: repository, path: path, branch: "multiagent/swift-heron", base: base,
      commonDirectory: common)

    #expect(try git(["rev-parse", "--abbrev-ref", "HEAD"], in: path) == "multiagent/swift-heron")
    #expect(try git(["rev-parse", "HEAD"], in: path) == base)
    #expect(try git(["status", "--porcelain"], in: path).isEmpty)
    #expect(try String(contentsOfFile: path + "/a.txt", encoding: .utf8) == "alpha\n")
    #expect(FileManager.default.isExecutableFile(atPath: path + "/tools/run.sh"))
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: path + "/link") == "a.txt")
    // Registered, unlocked, on its branch, as git lists its own worktrees.
    let listed = try git(["worktree", "list", "--porcelain"])
    let entry = listed.components(separatedBy: "\n\n").first { $0.hasPrefix("worktree \(real(path))\n") }
    #expect(entry?.contains("branch refs/heads/multiagent/swift-heron") == true)
    #expect(entry?.contains("locked") == false)
    #expect(!FileManager.default.fileExists(atPath: common + "/worktrees/swift-heron/locked"))
    // The branch starts at the base, with no upstream.
    #expect(try git(["rev-parse", "multiagent/swift-heron"]) == base)
    #expect((try? git(["rev-parse", "--abbrev-ref", "multiagent/swift-heron@{upstream}"])) == nil)

    try worktrees.remove(repository: repository, path: path)
    try worktrees.deleteBranch("multiagent/swift-heron", in: repository)
    #expect(!FileManager.default.fileExists(atPath: path))
    #expect(!FileManager.default.fileExists(atPath: common + "/worktrees/swift-heron"))
    #expect(!(try git(["worktree", "list", "--porcelain"])).contains(real(path)))
    #expect(!worktrees.branchExists("multiagent/swift-heron", in: repository))
  }

  @Test func pathsAreRecordedResolvedAsGitRecordsThem() throws {
    let real = directory.path("real-worktrees")
    try FileManager.default.createDirectory(atPath: real, withIntermediateDirectories: true)
    let linked = directory.path("linked-worktrees")
    try FileManager.default.createSymbolicLink(atPath: linked, withDestinationPath: real)
    // The repository too is reached through a link.
    let linkedRepository = directory.path("linked-repo")
    try FileManager.default.createSymbolicLink(atPath: linkedRepository, withDestinationPath: repository)
    let path = linked + "/calm-ibis"
    try worktrees.add(
      repository: linkedRepository, path: path, branch: "multiagent/calm-ibis",
      base: try git(["rev-parse", "HEAD"]), commonDirectory: linkedRepository + "/.git")
    let gitdir = try String(contentsOfFile: common + "/worktrees/calm-ibis/gitdir", encoding: .utf8)
    #expect(gitdir == self.real(real) + "/calm-ibis/.git\n")
    let dotGit = try String(contentsOfFile: path + "/.git", encoding: .utf8)
    #expect(dotGit == "gitdir: \(self.real(common))/worktrees/calm-ibis\n")
    #expect(try git(["status", "--porcelain"], in: path).isEmpty)
    // git's prune keeps it: the recorded path exists.
    _ = try git(["worktree", "prune"])
    #expect(FileManager.default.fileExists(atPath: common + "/worktrees/calm-ibis/gitdir"))
  }

  @Test func aGitFolderThatIsALinkIsRecordedResolved() throws {
    let other = directory.path("other")
    try GitRepository.create(at: other)
    let moved = directory.path("other-git")
    try FileManager.default.moveItem(atPath: other + "/.git", toPath: moved)
    try FileManager.default.createSymbolicLink(atPath: other + "/.git", withDestinationPath: moved)
    let path = directory.path("worktrees/bold-crow")
    try worktrees.add(
      repository: other, path: path, branch: "multiagent/bold-crow",
      base: try git(["rev-parse", "HEAD"], in: other),
      commonDirectory: other + "/.git")
    let dotGit = try String(contentsOfFile: path + "/.git", encoding: .utf8)
    #expect(dotGit == "gitdir: \(real(moved))/worktrees/bold-crow\n")
    #expect(try git(["status", "--porcelain"], in: path).isEmpty)
  }

  @Test func repositoriesThatAskForMoreGoThroughGitsOwnCommands() throws {
    let base = try git(["rev-parse", "HEAD"])
    let path = directory.path("worktrees/keen-lynx")
    #expect(!LinkedWorktree.isPossible(commonDirectory: common, path: path, base: "HEAD"))
    #expect(!LinkedWorktree.isPossible(commonDirectory: common, path: path, base: String(base.prefix(12))))
    for (key, value) in [("core.sparseCheckout", "false"), ("extensions.worktreeConfig", "true")] {
      try git(["config", key, value])
      #expect(!LinkedWorktree.isPossible(commonDirectory: common, path: path, base: base))
      try git(["config", "--unset", key])
    }
    try git(["config", "include.path", "extra.config"])
    #expect(!LinkedWorktree.isPossible(commonDirectory: common, path: path, base: base))

    // With the per-worktree config on, git's own `worktree add` makes it, and it works.
    try git(["config", "extensions.worktreeConfig", "true"])
    try worktrees.add(
      repository: repository, path: path, branch: "multiagent/keen-lynx", base: base, commonDirectory: common)
    #expect(try git(["rev-parse", "--abbrev-ref", "HEAD"], in: path) == "multiagent/keen-lynx")
    #expect(try git(["status", "--porcelain"], in: path).isEmpty)
  }

  @Test func folderNamesGitWouldChangeGoThroughGit() throws {
    let base = try git(["rev-parse", "HEAD"])
    for name in ["two words", ".hidden", "held.lock", "a..b", "é"] {
      let path = directory.path("worktrees/" + name)
      #expect(!LinkedWorktree.isPossible(commonDirectory: common, path: path, base: base), "\(name)")
    }
    #expect(
      LinkedWorktree.isPossible(
        commonDirectory: common, path: directory.path("worktrees/Ok_1.2-x"), base: base))
    // git's own add names the entry as it likes, and the worktree works.
    let path = directory.path("worktrees/two words")
    try worktrees.add(
      repository: repository, path: path, branch: "multiagent/two-words", base: base, commonDirectory: common)
    #expect(try git(["rev-parse", "--abbrev-ref", "HEAD"], in: path) == "multiagent/two-words")
  }

  @Test func anEntryAlreadyNamingTheNameOrThePathGoesThroughGit() throws {
    let base = try git(["rev-parse", "HEAD"])
    let path = directory.path("worktrees/odd-wren")
    try FileManager.default.createDirectory(
      atPath: common + "/worktrees/odd-wren", withIntermediateDirectories: true)
    #expect(!LinkedWorktree.isPossible(commonDirectory: common, path: path, base: base))
    try FileManager.default.removeItem(atPath: common + "/worktrees/odd-wren")
    try FileManager.default.createDirectory(
      atPath: common + "/worktrees/other", withIntermediateDirectories: true)
    try (real(directory.path("worktrees")) + "/odd-wren/.git\n").write(
      toFile: common + "/worktrees/other/gitdir", atomically: true, encoding: .utf8)
    try FileManager.default.createDirectory(
      atPath: directory.path("worktrees"), withIntermediateDirectories: true)
    #expect(!LinkedWorktree.isPossible(commonDirectory: common, path: path, base: base))
  }

  @Test func aFailingCheckoutLeavesNoWorktreeNoEntryAndNoBranch() throws {
    // The post-checkout hook's failure is the checkout's, as with `git worktree add`.
    let hook = common + "/hooks/post-checkout"
    try FileManager.default.createDirectory(atPath: common + "/hooks", withIntermediateDirectories: true)
    try "#!/bin/sh\necho 'hook says no' >&2\nexit 3\n".write(toFile: hook, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: hook)
    let path = directory.path("worktrees/grim-toad")
    let base = try git(["rev-parse", "HEAD"])
    #expect(LinkedWorktree.isPossible(commonDirectory: common, path: path, base: base))
    let error = #expect(throws: WorktreeError.self) {
      try worktrees.add(
        repository: repository, path: path, branch: "multiagent/grim-toad", base: base,
        commonDirectory: common)
    }
    #expect(error?.code == .gitFailed)
    #expect(error?.message.contains("hook says no") == true)
    #expect(!FileManager.default.fileExists(atPath: path))
    #expect(!FileManager.default.fileExists(atPath: common + "/worktrees/grim-toad"))
    #expect(!worktrees.branchExists("multiagent/grim-toad", in: repository))
    #expect(try git(["worktree", "list", "--porcelain"]).components(separatedBy: "\n\n").count == 1)
  }

  @Test func anEntryMadeMeanwhileByAnotherGitIsLeftAlone() throws {
    // Checked free, then taken by a git outside multiagent's lock before the entry is made.
    let path = directory.path("worktrees/late-kite")
    let base = try git(["rev-parse", "HEAD"])
    #expect(LinkedWorktree.isPossible(commonDirectory: common, path: path, base: base))
    let foreign = common + "/worktrees/late-kite"
    try FileManager.default.createDirectory(atPath: foreign, withIntermediateDirectories: true)
    try "someone else's\n".write(toFile: foreign + "/gitdir", atomically: true, encoding: .utf8)
    let linked = LinkedWorktree(
      repository: repository, commonDirectory: common, path: path, branch: "multiagent/late-kite",
      commit: base)
    let error = #expect(throws: WorktreeError.self) { try linked.create(git: GitRunner()) }
    #expect(error?.code == .gitFailed)
    #expect(try String(contentsOfFile: foreign + "/gitdir", encoding: .utf8) == "someone else's\n")
    #expect(!FileManager.default.fileExists(atPath: path))
    #expect(!worktrees.branchExists("multiagent/late-kite", in: repository))
  }

  @Test func removeClearsTheEntryOfAnInterruptedAddAndKeepsAUsersLock() throws {
    let files = FileManager.default
    let worktreesDirectory = directory.path("worktrees")
    try files.createDirectory(atPath: worktreesDirectory, withIntermediateDirectories: true)
    // Interrupted right after its lock, and after its gitdir: both are this add's leftovers.
    for (name, gitdir) in [("cut-short", nil), ("cut-later", real(worktreesDirectory) + "/cut-later/.git\n")]
    {
      let entry = common + "/worktrees/" + name
      try files.createDirectory(atPath: entry, withIntermediateDirectories: true)
      try LinkedWorktree.initializing.write(toFile: entry + "/locked", atomically: true, encoding: .utf8)
      if let gitdir { try gitdir.write(toFile: entry + "/gitdir", atomically: true, encoding: .utf8) }
      try worktrees.remove(repository: repository, path: worktreesDirectory + "/" + name)
      #expect(!files.fileExists(atPath: entry), "\(name)")
    }
    // A worktree its user locked (on a removable disk, say) is not this tool's to clear.
    let kept = common + "/worktrees/on-a-usb-disk"
    try files.createDirectory(atPath: kept, withIntermediateDirectories: true)
    try "on a removable disk".write(toFile: kept + "/locked", atomically: true, encoding: .utf8)
    try worktrees.remove(repository: repository, path: worktreesDirectory + "/on-a-usb-disk")
    #expect(files.fileExists(atPath: kept + "/locked"))
  }
}
