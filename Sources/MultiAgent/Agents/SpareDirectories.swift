import ProcessKit
import StateStore

#if canImport(Glibc)
  import Glibc
#endif

/// Agent state directories made ahead of need, under `<home>/spare`, each holding the files a new
/// agent's spawn and supervisor write, created empty (0600).
///
/// Creating a file is the costliest step of a spawn on some file systems: ext4 without a journal
/// skips, one by one, every inode freed in the last minute before it hands out a new one, so while
/// other programs churn files (coding CLIs write and delete their own journals and settings all
/// the time) each new file or folder costs ~0.3 ms instead of ~0.02, and a spawn makes seven
/// before its CLI starts. A spawn takes a spare with one `rename` and writes into files that already
/// exist; the supervisor that settles an agent makes the next spare, when no one waits on it.
/// A spare is only ever moved whole: a spawn that finds none makes its folder and files itself.
enum SpareDirectories {
  /// The files of a spare, created empty. `run.json.next` is the run plan's staging file: the
  /// plan is written there and renamed to `run.json`, whose existence says the agent is ready.
  static let files = ["token", "prompt.md", "run.json.next", "output.log", "supervisor.log", "launch-intent"]

  /// The staging file of the run plan in a taken spare (see ``files``).
  static func runPlanStaging(_ paths: AgentPaths) -> String { paths.directory + "/run.json.next" }

  /// `<home>/spare`.
  static func folder(_ home: StateHome) -> String { home.path + "/spare" }

  /// Moves a spare to `directory`, which must not exist yet.
  ///
  /// - Returns: whether a spare was taken; `false` (nothing changed) when there is none, or when
  ///   every one was taken by another spawn meanwhile.
  static func take(home: StateHome, as directory: String) -> Bool {
    let folder = folder(home)
    for name in readyNames(in: folder, among: entries(of: folder)) {
      guard rename(folder + "/" + name, directory) == 0 else { continue }
      // Only a folder is ever taken: anything else put there meanwhile is removed, not used.
      if PrivatePath.kind(of: directory) == .directory { return true }
      unlink(directory)
      return false
    }
    return false
  }

  /// Makes a spare unless one is ready, and removes the half-made ones of processes that died making
  /// them. Best effort: a spare that cannot be made leaves spawns making their own folders.
  static func replenish(home: StateHome) {
    let folder = folder(home)
    let names = entries(of: folder)
    if !readyNames(in: folder, among: names).isEmpty { return }
    for name in names where name.hasPrefix(makingPrefix) {
      if let pid = Int32(name.dropFirst(makingPrefix.count)), pid != getpid(), kill(pid, 0) != 0,
        errno == ESRCH
      {
        removeHalfMade(folder + "/" + name)
      }
    }
    do throws(UnsafePathError) { try PrivatePath.createMissingDirectories(folder) } catch { return }
    let making = folder + "/" + makingPrefix + String(getpid())
    guard mkdir(making, 0o700) == 0 else { return }
    for file in files {
      let descriptor = open(making + "/" + file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
      guard descriptor >= 0 else {
        removeHalfMade(making)
        return
      }
      close(descriptor)
    }
    if rename(making, folder + "/" + ProcessIdentity.makeSpawnID()) != 0 { removeHalfMade(making) }
  }

  /// A spare being made is named `.making-<pid>` until it is complete.
  private static let makingPrefix = ".making-"

  /// The spares ready to be taken among the entries `names` of `folder`: folders whose names do not
  /// start with a dot (anything else there is left alone, and never taken).
  private static func readyNames(in folder: String, among names: [String]) -> [String] {
    names.filter { !$0.hasPrefix(".") && PrivatePath.kind(of: folder + "/" + $0) == .directory }
  }

  private static func entries(of folder: String) -> [String] {
    guard let directory = opendir(folder) else { return [] }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
        String(decoding: bytes.prefix(while: { $0 != 0 }), as: UTF8.self)
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names
  }

  /// Removes a half-made spare: its known files, then the folder (nothing else is ever in one).
  private static func removeHalfMade(_ path: String) {
    for file in files { unlink(path + "/" + file) }
    rmdir(path)
  }
}
