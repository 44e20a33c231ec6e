import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
  import Glibc
#endif

/// A ``SubAgentSandbox`` whose state home multiagent made itself (so that its mode is
/// multiagent's, not the test's), with a third fake provider, `rogue`, that plays tricks with its
/// signal file. The prompt's first line says which:
/// - `@symlink PATH`: makes `$MULTIAGENT_SIGNAL_FILE` a symbolic link to PATH and exits 0;
/// - `@hardlink PATH`: makes it a hard link to PATH and exits 0.
struct SecurityWorld {
  let family: SubAgentSandbox

  init() throws {
    family = try SubAgentSandbox()
    let sandbox = family.world.sandbox
    let rogue = try sandbox.installFakeCLI("fake-rogue", script: Self.rogueScript)
    let catalog = """
      {"providers": {
        "fake": {"extends": "claude", "binary": "\(family.world.fakePath)"},
        "parent": {"extends": "claude", "binary": "\(sandbox.bin)/fake-parent"},
        "rogue": {"extends": "claude", "binary": "\(rogue)"}
      }}
      """
    // The home the sandbox made holds only the catalog: multiagent makes it again, then the catalog
    // goes back in as a file of the user's, 0600.
    try FileManager.default.removeItem(atPath: sandbox.home)
    let created = try sandbox.run(["list"])
    guard created.exitCode == 0 else { throw CLIRunner.Failure(description: "list: \(created.stderr)") }
    try catalog.write(toFile: sandbox.home + "/providers.json", atomically: true, encoding: .utf8)
    chmod(sandbox.home + "/providers.json", 0o600)
  }

  var world: LifecycleSandbox { family.world }
  var sandbox: CLISandbox { family.world.sandbox }
  var home: String { family.home }

  /// Runs `multiagent --home <home> arguments…`.
  @discardableResult
  func run(_ arguments: [String], input: String? = nil) throws -> CLIRunner.Result {
    if let input { return try sandbox.run(arguments, input: input) }
    return try sandbox.run(arguments)
  }

  /// Spawns a `provider` agent in its own folder (no worktree) and returns its name.
  func spawnBare(_ provider: String, _ prompt: String, name: String) throws -> String {
    let result = try run([
      "spawn", "--provider", provider, "--no-worktree", "--cwd", world.repository, "--name", name, prompt,
    ])
    guard result.exitCode == 0 else {
      throw CLIRunner.Failure(description: "spawn of \(name) failed (\(result.exitCode)): \(result.stderr)")
    }
    return name
  }

  /// The agent's id.
  func id(of name: String) throws -> String {
    try #require(try world.record(name)["id"] as? String)
  }

  /// The rogue fake CLI.
  static let rogueScript = #"""
    # multiagent-security-fake-rogue
    session=""; prompt=""
    while [ $# -gt 0 ]; do
      case "$1" in
        --session-id|--resume) session="$2"; shift 2 ;;
        --output-format|--model) shift 2 ;;
        -*) shift ;;
        *) prompt="$1"; shift ;;
      esac
    done
    if [ -z "$prompt" ]; then prompt=$(cat); fi
    echo "{\"type\":\"system\",\"subtype\":\"init\",\"session_id\":\"$session\",\"model\":\"fake\"}"
    first=$(printf '%s\n' "$prompt" | head -n 1)
    case "$first" in
      "@symlink "*) ln -s "${first#@symlink }" "$MULTIAGENT_SIGNAL_FILE" ;;
      "@hardlink "*) ln "${first#@hardlink }" "$MULTIAGENT_SIGNAL_FILE" ;;
    esac
    echo "{\"type\":\"result\",\"subtype\":\"success\",\"is_error\":false,\"result\":\"finished\",\"session_id\":\"$session\"}"
    exit 0
    """#
}

/// A file outside the agent's state dir that an agent points its signal file at: its bytes, mode
/// and link count must stay what they were.
struct OutsideFile {
  let path: String
  let content: String
  let mode: mode_t

  init(_ path: String, content: String, mode: mode_t = 0o644) throws {
    self.path = path
    self.content = content
    self.mode = mode
    try content.write(toFile: path, atomically: true, encoding: .utf8)
    chmod(path, mode)
  }

  /// A file that is there already, as it is now.
  init(existing path: String) throws {
    self.path = path
    content = try String(contentsOfFile: path, encoding: .utf8)
    mode = mode_t(try CLISandbox.modeOf(path))
  }

  /// Its content, mode and link count (after the agent that linked to it is deleted: 1).
  func expectUntouched(links: Int = 1, _ comment: Comment? = nil) throws {
    #expect(try CLISandbox.modeOf(path) == Int(mode), comment)
    #expect(try String(contentsOfFile: path, encoding: .utf8) == content, comment)
    var info = stat()
    #expect(lstat(path, &info) == 0 && Int(info.st_nlink) == links, comment)
  }
}

/// What the machine's processes show: every pid's argv and environment, as raw bytes.
enum ProcessTableSnapshot {
  /// Every process id in /proc.
  static func allProcesses() -> [Int32] {
    ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap(Int32.init)
  }

  /// `/proc/<pid>/<file>` (empty when the process is gone or unreadable).
  static func read(_ pid: Int32, _ file: String) -> Data {
    FileManager.default.contents(atPath: "/proc/\(pid)/\(file)") ?? Data()
  }

  /// The processes whose `file` (cmdline or environ) holds `needle`.
  static func processes(with needle: String, in file: String) -> Set<Int32> {
    let bytes = Data(needle.utf8)
    return Set(allProcesses().filter { read($0, file).range(of: bytes) != nil })
  }
}

/// The state home, walked with `lstat` (never following a link).
enum HomeWalk {
  struct Entry {
    var path: String
    var type: mode_t
    var mode: Int
    var owner: uid_t
  }

  /// Every entry under `root` (not `root` itself).
  static func entries(under root: String) -> [Entry] {
    var result: [Entry] = []
    let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
    for name in names.sorted() {
      let path = root + "/" + name
      var info = stat()
      guard lstat(path, &info) == 0 else { continue }
      let type = info.st_mode & S_IFMT
      result.append(Entry(path: path, type: type, mode: Int(info.st_mode & 0o7777), owner: info.st_uid))
      if type == S_IFDIR { result += entries(under: path) }
    }
    return result
  }

  /// The regular files under `root` whose bytes contain `needle`.
  static func files(under root: String, containing needle: String) -> [String] {
    let bytes = Data(needle.utf8)
    return entries(under: root).filter { $0.type == S_IFREG }.map(\.path).filter { path in
      (FileManager.default.contents(atPath: path) ?? Data()).range(of: bytes) != nil
    }
  }

  /// A listing of everything under `root` except `excluded` (path, type, mode, size), to compare.
  static func fingerprint(of root: String, excluding excluded: String) -> [String] {
    entries(under: root).filter { $0.path != excluded && !$0.path.hasPrefix(excluded + "/") }.map { entry in
      var info = stat()
      lstat(entry.path, &info)
      return
        "\(entry.path) \(entry.type) \(String(entry.mode, radix: 8)) \(info.st_size) \(info.st_mtim.tv_sec)"
    }
  }
}

/// The state database, read with the sqlite3 shell.
enum DatabaseScan {
  /// Every `table.column` of the database whose value (as bytes, in any row) contains `needle`.
  static func columns(of database: String, containing needle: String) throws -> [String] {
    let schema = try SecretsTests.sqlite(
      database,
      "SELECT m.name || '|' || p.name FROM sqlite_master m, pragma_table_info(m.name) p "
        + "WHERE m.type = 'table';")
    let columns = schema.split(separator: "\n").map { $0.split(separator: "|").map(String.init) }
    #expect(columns.count > 10, "the schema could not be read: \(schema)")
    let hex = needle.utf8.map { String(format: "%02X", $0) }.joined()
    let query =
      columns.map { pair in
        "SELECT '\(pair[0]).\(pair[1])' FROM \"\(pair[0])\" WHERE instr(hex(\"\(pair[1])\"), '\(hex)') > 0"
      }.joined(separator: " UNION ") + ";"
    return try SecretsTests.sqlite(database, query).split(separator: "\n").map(String.init)
  }
}

/// The command tree as `multiagent help` prints it: every top-level command, and every subcommand
/// as `command subcommand`.
enum CommandTree {
  /// The words listed under `SUBCOMMANDS:` in a help text (`list (default)` counts as `list`).
  static func subcommands(inHelp text: String) -> [String] {
    var words: [String] = []
    var inside = false
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("SUBCOMMANDS:") {
        inside = true
      } else if inside, line.hasPrefix("  "), let word = line.split(separator: " ").first,
        !line.hasPrefix("   "), word != "See"
      {
        words.append(String(word))
      } else if inside, !line.isEmpty, !line.hasPrefix(" ") {
        inside = false
      }
    }
    return words
  }

  /// Every command path the CLI offers, read from its help.
  static func paths(in sandbox: CLISandbox) throws -> [String] {
    var paths: [String] = []
    for command in subcommands(inHelp: try sandbox.run(["--help"]).stdout) {
      paths.append(command)
      let nested = subcommands(inHelp: try sandbox.run(["help", command]).stdout)
      paths += nested.map { command + " " + $0 }
    }
    return paths
  }
}
