import CMultiAgentShims
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A new linked worktree on a new branch, made with one git process instead of `git branch` and
/// `git worktree add` (which itself runs `git symbolic-ref` and `git reset --hard`): four processes,
/// ~8 ms of a spawn here, against ~2 ms.
///
/// It writes the worktree's administrative files as `git worktree add` does and as
/// gitrepository-layout(5) documents them — `worktrees/<id>/{locked,gitdir,HEAD,commondir}` in the
/// common git directory and the `.git` file in the worktree, HEAD detached at the base commit, the
/// entry locked while it is made so that no `git worktree prune` takes it — then lets git make the
/// branch and check it out: `git checkout --force -b <branch>` in the new worktree (the post-checkout
/// hook runs as it would). Only for repositories where that is all `git worktree add` would do:
/// see ``isPossible(commonDirectory:path:base:)``; otherwise ``Worktrees`` runs git's own commands.
struct LinkedWorktree {
  /// The repository's top-level directory.
  var repository: String
  /// The repository's common git directory, as found.
  var commonDirectory: String
  /// Where the worktree goes (it must not exist).
  var path: String
  /// The new branch, which must not exist.
  var branch: String
  /// The full id of the commit the branch starts at.
  var commit: String

  /// What git writes in `locked` while it makes a worktree; an entry locked with it and without a
  /// worktree is the leftover of an interrupted add.
  static let initializing = "initializing"

  /// Whether the direct way makes exactly what `git worktree add` would: `base` is a full commit
  /// id, the repository keeps its refs in files (no reftable) and its config asks for nothing `git
  /// worktree add` does more for (any `extensions`, sparse checkouts, per-worktree config, shared
  /// permissions, or an include that might set one of them), the worktree's folder name is one git
  /// keeps as the entry's, no entry is called like it yet, and no entry already names its path.
  static func isPossible(commonDirectory: String, path: String, base: String) -> Bool {
    guard base.count == 40 || base.count == 64, base.utf8.allSatisfy({ isHexDigit($0) }),
      !FileSystem.entryExists(commonDirectory + "/reftable"),
      let config = FileSystem.contents(atPath: commonDirectory + "/config")
    else { return false }
    let text = String(decoding: config, as: UTF8.self).lowercased()
    let asksMore = ["[extensions", "sparsecheckout", "worktreeconfig", "sharedrepository", "[include"]
    guard !asksMore.contains(where: { text.contains($0) }) else { return false }
    let entries = commonDirectory + "/worktrees"
    // git names the entry after the folder, made safe for a ref name: only names it keeps as they are.
    let name = (path as NSString).lastPathComponent
    guard let first = name.utf8.first, first != UInt8(ascii: "."), !name.hasSuffix(".lock"),
      !name.contains(".."),
      name.utf8.allSatisfy({ isEntryNameByte($0) }), !FileSystem.entryExists(entries + "/" + name)
    else { return false }
    let target = resolvedTarget(of: path) + "/.git"
    for entry in (try? FileManager.default.contentsOfDirectory(atPath: entries)) ?? [] {
      if let gitdir = Self.text(of: entries + "/" + entry + "/gitdir"), gitdir == target { return false }
    }
    return true
  }

  /// Makes the worktree and its branch. On failure nothing made here is left: not the worktree,
  /// not its entry, not the branch.
  ///
  /// - Throws: ``WorktreeError`` `branchExists` (nothing made), `gitFailed`.
  func create(git: GitRunner) throws(WorktreeError) {
    if BranchLookup(repository: repository, commonDirectory: commonDirectory).contains(branch) {
      throw WorktreeError(.branchExists, "branch \(branch) already exists in \(repository)")
    }
    try makeDirectory(path)
    let worktree = FileSystem.resolved(path) ?? path
    let common = FileSystem.resolved(commonDirectory) ?? commonDirectory
    let name = (path as NSString).lastPathComponent
    let entry = common + "/worktrees/" + name
    let staging = Self.staging(commonDirectory: common, name: name)
    // An entry is removed on failure only when this call made it: a git run outside multiagent's
    // lock may have made one of that name since it was checked.
    var madeEntry = false
    do throws(WorktreeError) {
      try makeDirectory(common + "/worktrees", existing: true)
      // The entry is made whole in a folder git does not read, then renamed into place: a process
      // killed half-way never leaves git an entry without its gitdir or with half its files (git
      // dies on an empty `commondir` in any entry, in every command that lists worktrees).
      try? FileManager.default.removeItem(atPath: staging)
      try makeDirectory(staging)
      try write(Self.initializing, to: staging + "/locked")
      try write(worktree + "/.git\n", to: staging + "/gitdir")
      try write(commit + "\n", to: staging + "/HEAD")
      try write("../..\n", to: staging + "/commondir")
      guard multiagent_rename_noreplace(staging, entry) == 0 else {
        throw WorktreeError(.gitFailed, "cannot create \(entry): \(String(cString: strerror(errno)))")
      }
      madeEntry = true
      try write("gitdir: \(entry)\n", to: worktree + "/.git")
      // As `git worktree add` runs its children: the entry and the worktree named outright.
      let output = try run(
        ["checkout", "--quiet", "--force", "--no-track", "--no-recurse-submodules", "-b", branch],
        git: git, environment: ["GIT_DIR": entry, "GIT_WORK_TREE": worktree], in: worktree)
      guard output.status == 0 else {
        throw WorktreeError(
          .gitFailed,
          "git checkout of the new worktree failed: \(output.stderr.trimmedOfWhitespaceAndNewlines)")
      }
      unlink(entry + "/locked")
    } catch {
      try? FileManager.default.removeItem(atPath: path)
      try? FileManager.default.removeItem(atPath: staging)
      if madeEntry { try? FileManager.default.removeItem(atPath: entry) }
      // The branch did not exist before (checked above, under the repository's lock): git made it.
      if BranchLookup(repository: repository, commonDirectory: commonDirectory).contains(branch) {
        _ = try? run(["branch", "-D", branch], git: git, environment: [:], in: repository)
      }
      throw error
    }
  }

  /// Removes the entry an interrupted add left for the worktree at `path`: one still locked as
  /// being made whose worktree is gone, or that got no further than its lock. git's prune keeps
  /// locked entries forever.
  static func removeInterruptedEntry(commonDirectory: String, path: String) {
    guard !FileSystem.entryExists(path) else { return }
    try? FileManager.default.removeItem(
      atPath: staging(commonDirectory: commonDirectory, name: (path as NSString).lastPathComponent))
    let entry = commonDirectory + "/worktrees/" + (path as NSString).lastPathComponent
    guard text(of: entry + "/locked") == initializing else { return }
    let gitdir = text(of: entry + "/gitdir")
    guard gitdir == nil || gitdir == resolvedTarget(of: path) + "/.git" else { return }
    try? FileManager.default.removeItem(atPath: entry)
  }

  /// Where the entry for worktree folder `name` is made before it is renamed into `worktrees/`: a
  /// folder of the common directory that git does not read.
  static func staging(commonDirectory: String, name: String) -> String {
    commonDirectory + "/multiagent-adding-worktree-" + name
  }

  // MARK: - Files

  /// `path`, which may not exist, with its parent's symbolic links resolved, as git records paths.
  private static func resolvedTarget(of path: String) -> String {
    guard let directory = FileSystem.resolved((path as NSString).deletingLastPathComponent) else {
      return path
    }
    return (directory == "/" ? "" : directory) + "/" + (path as NSString).lastPathComponent
  }

  /// A small file's text without its trailing newline, or `nil` when it cannot be read.
  private static func text(of path: String) -> String? {
    guard let data = FileSystem.contents(atPath: path) else { return nil }
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
  }

  /// Letters, digits, `-`, `_` and `.`: what git keeps of a folder's name in an entry's.
  private static func isEntryNameByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
      UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
      true
    default: false
    }
  }

  private static func isHexDigit(_ byte: UInt8) -> Bool {
    (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66)
  }

  /// Makes the directory `path` (and its missing parents, as git does for a worktree's path).
  private func makeDirectory(_ path: String, existing: Bool = false) throws(WorktreeError) {
    if mkdir(path, 0o777) == 0 || (existing && errno == EEXIST) { return }
    if errno == ENOENT {
      let parent = (path as NSString).deletingLastPathComponent
      if (try? FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)) != nil,
        mkdir(path, 0o777) == 0
      {
        return
      }
    }
    throw WorktreeError(.gitFailed, "cannot create \(path): \(String(cString: strerror(errno)))")
  }

  /// Writes a new file (never through a link; the umask applies, as to git's own files). The entry's
  /// files are written in its staging folder, so none is seen half-written.
  private func write(_ text: String, to path: String) throws(WorktreeError) {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o666)
    guard descriptor >= 0 else {
      throw WorktreeError(.gitFailed, "cannot write \(path): \(String(cString: strerror(errno)))")
    }
    defer { close(descriptor) }
    let bytes = Array(text.utf8)
    let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
    guard written == bytes.count else {
      throw WorktreeError(.gitFailed, "cannot write \(path): \(String(cString: strerror(errno)))")
    }
    Failpoint.worktreeFileWritten.hit()
  }

  private func run(
    _ arguments: [String], git: GitRunner, environment: [String: String], in directory: String
  ) throws(WorktreeError) -> GitRunner.Output {
    do { return try git.run(arguments, in: directory, environment: environment) } catch {
      throw WorktreeError(
        .gitFailed, "cannot run git: \(error.message); is git installed?", underlying: error)
    }
  }
}
