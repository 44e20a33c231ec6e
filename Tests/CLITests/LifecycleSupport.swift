import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
  import Glibc
#endif

/// A sandbox for agent-lifecycle tests: a state home with a fake provider `fake` (a shell script
/// that talks like `claude -p --output-format stream-json --verbose`), and a git repository with
/// one commit to spawn agents in.
///
/// The fake's behaviour is chosen by markers in the prompt:
/// - (none): prints an init line, text, writes `{"status":"done","result":"done: <first line>"}`
///   to `$MULTIAGENT_SIGNAL_FILE`, prints a result line and exits 0;
/// - `@ask`: signals the question q1 instead (a resumed run, whose prompt starts with "The user
///   answered", signals done with `answered: <the answer lines>`);
/// - `@gate`: prints its first lines, waits (up to 60 s) for the file ``gate`` to exist, then prints
///   more lines and finishes as above;
/// - `@stream:N`: after its first lines, prints N numbered lines (the assistant texts `line 1 of N`
///   … `line N of N`), five every 0.2 s, then goes on as the other markers say;
/// - `@fail`: prints to stderr and exits 3 without a signal;
/// - `@touch:NAME`: creates the file NAME (letters, digits, dots) in its working directory;
/// - `@background`: leaves a `sleep 300` running in the background when it exits;
/// - `@daemon`: leaves a `sleep 300` running in a session of its own (`setsid`) when it exits;
/// - `@newsession`: reports a session id other than the one it was given (as Codex does when it
///   cannot find the thread to resume);
/// - with `CLAUDE_CODE_OAUTH_TOKEN=tok-badlogin`: fails like claude with a refused key;
/// - with `CLAUDE_CODE_OAUTH_TOKEN=tok-limited` (an account's token) or `@limit`: reports a usage
///   limit, waits for the gate, and exits 1 like Claude does after a limit.
///
/// With a file `keep-transcripts` next to the script, runs with `CLAUDE_CONFIG_DIR` set append a
/// line to `projects/fake/<session>.jsonl` there, as claude keeps its transcripts (see
/// ``keepTranscripts()``); otherwise sessions have no transcript to move.
///
/// Each run records its working directory and argv (NUL-separated) in `calls/<n>` next to the
/// script, `n` counting up from 1. Given no prompt argument, the fake reads the prompt from stdin
/// (as `claude -p` does) and keeps it in `calls/<n>.stdin`.
struct LifecycleSandbox {
  let sandbox: CLISandbox
  /// The repository agents are spawned in (with one commit on `main`).
  let repository: String
  /// The fake CLI.
  let fakePath: String

  init() throws {
    sandbox = try CLISandbox()
    repository = sandbox.root.path("repo")
    try FileManager.default.createDirectory(atPath: repository, withIntermediateDirectories: true)
    try Self.git(["init", "-q", "-b", "main"], in: repository)
    try Self.git(["config", "user.name", "Test User"], in: repository)
    try Self.git(["config", "user.email", "test@example.com"], in: repository)
    try "hello\n".write(toFile: repository + "/README.md", atomically: true, encoding: .utf8)
    try Self.git(["add", "README.md"], in: repository)
    try Self.git(["commit", "-q", "-m", "initial"], in: repository)
    fakePath = try sandbox.installFakeCLI("fake-claude", script: Self.fakeScript)
    try FileManager.default.createDirectory(atPath: sandbox.bin + "/calls", withIntermediateDirectories: true)
    try sandbox.writeUserCatalog(
      """
      {"providers": {
        "fake": {"extends": "claude", "binary": "\(fakePath)"},
        "ghost": {"extends": "claude", "binary": "ghost-cli-that-is-not-installed"}
      }}
      """)
  }

  /// The state home.
  var home: String { sandbox.home }
  /// The file that lets `@gate` runs go on.
  var gate: String { sandbox.bin + "/gate" }

  /// Makes the fake keep a transcript per session, as claude does.
  func keepTranscripts() throws {
    try "yes".write(toFile: sandbox.bin + "/keep-transcripts", atomically: true, encoding: .utf8)
  }

  /// Opens the gate of `@gate` runs.
  func openGate() throws {
    try "open".write(toFile: gate, atomically: true, encoding: .utf8)
  }

  /// Runs `multiagent --home <home> arguments…`.
  @discardableResult
  func run(_ arguments: [String]) throws -> CLIRunner.Result {
    try sandbox.run(arguments)
  }

  /// Runs `multiagent --home <home> arguments…` with `input` on stdin.
  func run(_ arguments: [String], input: String) throws -> CLIRunner.Result {
    try sandbox.run(arguments, input: input)
  }

  /// Spawns an agent and returns its name; fails the test when the spawn fails.
  func spawn(_ prompt: String, name: String? = nil, extra: [String] = []) throws -> String {
    var arguments = ["spawn", "--provider", "fake", "--cwd", repository]
    if let name { arguments += ["--name", name] }
    let result = try run(arguments + extra + [prompt])
    guard result.exitCode == 0 else {
      throw CLIRunner.Failure(description: "spawn failed (\(result.exitCode)): \(result.stderr)")
    }
    return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// The agent's record (`show NAME --json`).
  func record(_ name: String) throws -> [String: Any] {
    let result = try run(["show", name, "--json"])
    guard result.exitCode == 0 else {
      throw CLIRunner.Failure(description: "show \(name) failed (\(result.exitCode)): \(result.stderr)")
    }
    return try result.jsonObject()
  }

  /// Every record, dismissed ones included.
  func records() throws -> [[String: Any]] {
    try run(["list", "--all", "--json"]).jsonArray()
  }

  /// Polls the record until `condition` holds; fails after `timeout`.
  @discardableResult
  func waitForRecord(
    _ name: String, timeout: TimeInterval = 30, _ what: String, until condition: ([String: Any]) -> Bool
  ) throws -> [String: Any] {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
      let record = try self.record(name)
      if condition(record) { return record }
      guard Date() < deadline else {
        throw CLIRunner.Failure(description: "\(name) did not become \(what) in \(timeout)s: \(record)")
      }
      usleep(50_000)
    }
  }

  /// Waits until the agent's CLI is running (status running, pid recorded).
  @discardableResult
  func waitUntilRunning(_ name: String) throws -> [String: Any] {
    try waitForRecord(name, "running") { record in
      record["status"] as? String == "running" && (record["cli"] as? [String: Any])?["pid"] != nil
    }
  }

  /// The fake's runs so far, in order: the working directory and argv of each.
  func calls() throws -> [(cwd: String, argv: [String])] {
    let directory = sandbox.bin + "/calls"
    let names = try FileManager.default.contentsOfDirectory(atPath: directory).compactMap(Int.init).sorted()
    return try names.map { number in
      let data = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(number)"))
      let fields = data.split(separator: 0, omittingEmptySubsequences: false).map {
        String(decoding: $0, as: UTF8.self)
      }
      return (cwd: fields.first ?? "", argv: Array(fields.dropFirst().dropLast()))
    }
  }

  /// `<home>/agents/<id>`.
  func stateDirectory(_ id: String) -> String { home + "/agents/" + id }

  /// The names in `<home>/agents` and `<home>/worktrees` (none when they do not exist).
  func leftovers() -> (agents: [String], worktrees: [String]) {
    let manager = FileManager.default
    return (
      (try? manager.contentsOfDirectory(atPath: home + "/agents")) ?? [],
      (try? manager.contentsOfDirectory(atPath: home + "/worktrees")) ?? []
    )
  }

  /// The branches of the repository.
  func branches() throws -> [String] {
    try Self.git(["branch", "--format=%(refname:short)"], in: repository).split(separator: "\n").map(
      String.init)
  }

  /// Runs git in `directory`; throws when it fails.
  @discardableResult
  static func git(_ arguments: [String], in directory: String) throws -> String {
    try GitRepository.git(arguments, in: directory)
  }

  /// The fake provider CLI.
  static let fakeScript = #"""
    # multiagent-lifecycle-fake-claude
    here="$(cd "$(dirname "$0")" && pwd)"
    mkdir -p "$here/calls"
    n=1
    while ! mkdir "$here/calls/lock.$n" 2>/dev/null; do n=$((n + 1)); done
    { printf '%s\0' "$(pwd)"; for a in "$@"; do printf '%s\0' "$a"; done; } > "$here/calls/$n.tmp"
    mv "$here/calls/$n.tmp" "$here/calls/$n"
    session=""; prompt=""
    while [ $# -gt 0 ]; do
      case "$1" in
        --session-id|--resume) session="$2"; shift 2 ;;
        --output-format|--model) shift 2 ;;
        -*) shift ;;
        *) prompt="$1"; shift ;;
      esac
    done
    # No prompt argument: like claude -p, read it from stdin (kept in calls/<n>.stdin).
    if [ -z "$prompt" ]; then
      cat > "$here/calls/$n.stdin"
      prompt=$(cat "$here/calls/$n.stdin")
    fi
    case "$prompt" in
      *@newsession*) session="new-$session" ;;
    esac
    first=$(printf '%s\n' "$prompt" | head -n 1 | tr -d '"\\')
    # Like claude, keep a transcript per session in the config dir (when asked to, and one is set).
    if [ -e "$here/keep-transcripts" ] && [ -n "$CLAUDE_CONFIG_DIR" ] && [ -n "$session" ]; then
      mkdir -p "$CLAUDE_CONFIG_DIR/projects/fake"
      echo "{\"type\":\"user\",\"sessionId\":\"$session\"}" >> "$CLAUDE_CONFIG_DIR/projects/fake/$session.jsonl"
    fi
    echo "{\"type\":\"system\",\"subtype\":\"init\",\"session_id\":\"$session\",\"model\":\"fake\"}"
    echo "{\"type\":\"assistant\",\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"working on: $first\"}]},\"session_id\":\"$session\"}"
    case "$prompt" in
      *@stream:*)
        total=${prompt#*@stream:}; total=${total%%[!0-9]*}; i=1
        while [ "$i" -le "$total" ]; do
          echo "{\"type\":\"assistant\",\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"line $i of $total\"}]},\"session_id\":\"$session\"}"
          if [ $((i % 5)) -eq 0 ]; then sleep 0.2; fi
          i=$((i + 1))
        done ;;
    esac
    case "$prompt" in
      *@fail*) echo "fake: something broke" >&2; exit 3 ;;
    esac
    case "$prompt" in
      *@touch:*)
        touched=${prompt#*@touch:}; touched=${touched%%[!A-Za-z0-9.]*}
        echo "made by the fake" > "$touched"
        echo "{\"type\":\"assistant\",\"message\":{\"content\":[{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"Write\",\"input\":{\"file_path\":\"$touched\"}}]},\"session_id\":\"$session\"}" ;;
    esac
    case "$prompt" in
      *@background*) sleep 300 & ;;
      *@daemon*) setsid sleep 300 & ;;
    esac
    if [ "$CLAUDE_CODE_OAUTH_TOKEN" = "tok-badlogin" ]; then
      echo "{\"type\":\"result\",\"subtype\":\"success\",\"is_error\":true,\"result\":\"Invalid API key · Fix external API key\",\"session_id\":\"$session\"}"
      exit 1
    fi
    limited=""
    if [ "$CLAUDE_CODE_OAUTH_TOKEN" = "tok-limited" ]; then limited=1; fi
    case "$prompt" in *@limit*) limited=1 ;; esac
    if [ -n "$limited" ]; then
      reset=$(( $(date +%s) + 7200 ))
      echo "{\"type\":\"rate_limit_event\",\"rate_limit_info\":{\"status\":\"rejected\",\"resetsAt\":$reset,\"rateLimitType\":\"five_hour\"},\"session_id\":\"$session\"}"
      i=0
      while [ ! -e "$here/gate" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
      echo "{\"type\":\"result\",\"subtype\":\"success\",\"is_error\":true,\"api_error_status\":429,\"result\":\"API Error: Request rejected (429)\",\"session_id\":\"$session\"}"
      exit 1
    fi
    case "$prompt" in
      *@gate*)
        i=0
        while [ ! -e "$here/gate" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
        echo "{\"type\":\"assistant\",\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"past the gate\"}]},\"session_id\":\"$session\"}"
        ;;
    esac
    case "$prompt" in
      "The user answered"*)
        answers=$(printf '%s\n' "$prompt" | grep -e '^- ' -e '^The answer' | tr -d '"\\' | tr '\n' ' ')
        printf '{"status":"done","result":"answered: %s"}' "$answers" > "$MULTIAGENT_SIGNAL_FILE" ;;
      *@ask*)
        printf '%s' '{"status":"questions","questions":[{"id":"q1","question":"Which color?","options":["red","blue"]}]}' > "$MULTIAGENT_SIGNAL_FILE" ;;
      *)
        printf '{"status":"done","result":"done: %s"}' "$first" > "$MULTIAGENT_SIGNAL_FILE" ;;
    esac
    echo "{\"type\":\"result\",\"subtype\":\"success\",\"is_error\":false,\"result\":\"finished\",\"session_id\":\"$session\"}"
    exit 0
    """#
}

/// Processes whose environment has `MULTIAGENT_AGENT_ID=<id>` (the agent's CLI and its children).
func processes(ofAgent id: String) -> [Int32] {
  processes(withEnvironmentEntry: "MULTIAGENT_AGENT_ID=\(id)")
}

/// Processes (not zombies) whose environment, as they were started, has `entry` (`NAME=value`).
func processes(withEnvironmentEntry entry: String) -> [Int32] {
  let needle = Array(entry.utf8)
  let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
  return entries.compactMap(Int32.init).filter { pid in
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = stat.lastIndex(of: ")"),
      stat[stat.index(close, offsetBy: 2)] != "Z",
      let environment = FileManager.default.contents(atPath: "/proc/\(pid)/environ")
    else { return false }
    return environment.split(separator: 0).contains { Array($0) == needle }
  }
}

/// Each process's `/proc/<pid>/stat` line (state, parent, group, session) and command line, for a
/// failure message.
func described(_ pids: [Int32]) -> [String] {
  pids.map { pid in
    let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? "gone"
    let command = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline").map {
      $0.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
    }
    return "\(stat.trimmingCharacters(in: .newlines)) [\(command ?? "?")]"
  }
}

/// Polls `condition` every 50 ms until it holds or `timeout` passes.
func eventually(timeout: TimeInterval = 20, _ condition: () throws -> Bool) rethrows -> Bool {
  let deadline = Date().addingTimeInterval(timeout)
  while true {
    if try condition() { return true }
    if Date() >= deadline { return false }
    usleep(50_000)
  }
}

extension CLIRunner.Result {
  /// Standard output split into lines, each parsed as a JSON object (NDJSON).
  func jsonLines() throws -> [[String: Any]] {
    try stdout.split(separator: "\n").map { line in
      guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
        throw CLIRunner.Failure(description: "not a JSON object: \(line)")
      }
      return object
    }
  }
}
