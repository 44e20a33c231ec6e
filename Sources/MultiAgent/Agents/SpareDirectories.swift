import StateStore

#if canImport(Glibc)
  import Glibc
#endif

/// One agent state folder made ahead of need, `<home>/spare/ready`, holding the files a new agent's
/// spawn and supervisor write, created empty (0600).
///
/// Creating a file is the costliest step of a spawn on some file systems: ext4 without a journal
/// skips, one by one, every inode freed in the last minute before it hands out a new one, so while
/// other programs churn files (coding CLIs write and delete their own journals and settings all
/// the time) each new file or folder costs ~0.3 ms instead of ~0.02, and a spawn makes seven
/// before its CLI starts. A spawn takes the spare with one `rename` and writes into files that
/// already exist; the supervisor that settles an agent makes the next one, when no one waits on it.
/// The spare is only ever moved whole: a spawn that finds none makes its folder and files itself.
///
/// One maker at a time holds `spare/.lock` (`flock`, released by the kernel if the maker dies);
/// it builds the spare in `spare/.making` and renames it to `ready`. Others skip, so two hundred
/// supervisors that settle at once make one spare, not two hundred.
enum SpareDirectories {
  /// The files of a spare, created empty. `run.json.next` is the run plan's staging file: the
  /// plan is written there and renamed to `run.json`, whose existence says the agent is ready.
  static let files = ["token", "prompt.md", "run.json.next", "output.log", "supervisor.log", "launch-intent"]

  /// The staging file of the run plan in a taken spare (see ``files``).
  static func runPlanStaging(_ paths: AgentPaths) -> String { paths.directory + "/run.json.next" }

  /// `<home>/spare`.
  static func folder(_ home: StateHome) -> String { home.path + "/spare" }

  /// Moves the spare to `directory`, which must not exist yet.
  ///
  /// - Returns: whether a spare was taken; `false` (nothing changed) when there is none or another
  ///   spawn took it first.
  static func take(home: StateHome, as directory: String) -> Bool {
    // A link in the folder's place would make the rename take a folder from elsewhere.
    let folder = folder(home)
    guard PrivatePath.kind(of: folder) == .directory, rename(folder + "/ready", directory) == 0 else {
      return false
    }
    // Only a folder is ever taken: anything else put there is removed, never used (nor followed).
    if PrivatePath.kind(of: directory) == .directory { return true }
    unlink(directory)
    return false
  }

  /// Makes the spare unless it is there or another process is making it. Best effort: a spare that
  /// cannot be made leaves spawns making their own folders.
  static func replenish(home: StateHome) {
    let folder = folder(home)
    let ready = folder + "/ready"
    if PrivatePath.kind(of: ready) != .missing { return }
    // Made inside the home only: one removed meanwhile (a user's `rm -rf`, a test's temporary
    // folder) is not made again by a supervisor's after-work. `mkdir` of the one folder, never its
    // parents, fails once the home is gone; one already there must be a folder, not a link.
    guard PrivatePath.kind(of: home.path) == .directory else { return }
    if mkdir(folder, 0o700) != 0 && (errno != EEXIST || PrivatePath.kind(of: folder) != .directory) { return }
    let lock = open(folder + "/.lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
    guard lock >= 0 else { return }
    defer { close(lock) }
    guard flock(lock, LOCK_EX | LOCK_NB) == 0, PrivatePath.kind(of: ready) == .missing else { return }
    // Left by a maker that died: no one else makes one while the lock is held.
    let making = folder + "/.making"
    removeHalfMade(making)
    guard mkdir(making, 0o700) == 0 else { return }
    for file in files {
      let descriptor = open(making + "/" + file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
      guard descriptor >= 0 else {
        removeHalfMade(making)
        return
      }
      close(descriptor)
    }
    if rename(making, ready) != 0 { removeHalfMade(making) }
  }

  /// Removes a half-made spare: its known files, then the folder (nothing else is ever put in one;
  /// a folder holding anything else stays).
  private static func removeHalfMade(_ path: String) {
    guard PrivatePath.kind(of: path) == .directory else { return }
    for file in files { unlink(path + "/" + file) }
    rmdir(path)
  }
}
