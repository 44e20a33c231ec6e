import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
  import Glibc
#endif

/// A ``LifecycleSandbox`` with a second fake provider, `parent`, whose run spawns children with the
/// real `multiagent` binary (linked into the fake-CLI folder, so on the agent's `PATH`), the way a
/// coding agent would: its environment carries `MULTIAGENT_AGENT_ID`, `MULTIAGENT_TOKEN` and
/// `MULTIAGENT_HOME`, and no `--parent` or `--home` is given.
///
/// The prompt's first line says what to spawn: `@spawn kid-a kid-b=d;` spawns `fake` agents
/// `kid-a` and `kid-b` (the `=d` one with `--detach-from-parent`; `=n` is `--no-report`, `=dn`
/// both), each with the prompt
/// `@gate child NAME` (they wait for ``LifecycleSandbox/gate``). Each spawn's exit code, stdout and
/// stderr land in `spawned/<name>.{code,out,err}` next to the script. Then the parent waits (up to
/// 60 s) for ``parentGate`` and completes.
struct SubAgentSandbox {
  let world: LifecycleSandbox

  init() throws {
    world = try LifecycleSandbox()
    let binary = try CLIRunner.executable().path
    try FileManager.default.createSymbolicLink(
      atPath: world.sandbox.bin + "/multiagent", withDestinationPath: binary)
    let parent = try world.sandbox.installFakeCLI("fake-parent", script: Self.parentScript)
    try world.sandbox.writeUserCatalog(
      """
      {"providers": {
        "fake": {"extends": "claude", "binary": "\(world.fakePath)"},
        "parent": {"extends": "claude", "binary": "\(parent)"}
      }}
      """)
  }

  var home: String { world.home }
  /// The file that lets the `parent` runs complete.
  var parentGate: String { world.sandbox.bin + "/parent-gate" }

  /// Opens the gate of the `parent` runs.
  func openParentGate() throws {
    try "open".write(toFile: parentGate, atomically: true, encoding: .utf8)
  }

  /// Spawns a `parent` agent called `name` that spawns `children` (`kid`, `kid=d` for detached,
  /// `kid=n` for no report, `kid=dn` for both), with `environment` added to the spawn's (and so
  /// to its supervisor's, its CLI's and the children's).
  func spawnParent(_ name: String, children: [String], environment: [String: String] = [:]) throws -> String {
    let result = try world.sandbox.run(
      [
        "spawn", "--provider", "parent", "--cwd", world.repository, "--name", name,
        "@spawn \(children.joined(separator: " ")); lead the work",
      ], extraEnvironment: environment)
    guard result.exitCode == 0 else {
      throw CLIRunner.Failure(description: "spawn of \(name) failed (\(result.exitCode)): \(result.stderr)")
    }
    return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// Waits until every child is running, and returns their ids by name.
  func waitForChildren(_ names: [String]) throws -> [String: String] {
    var ids: [String: String] = [:]
    for name in names {
      let base = name.split(separator: "=").first.map(String.init) ?? name
      #expect(
        eventually(timeout: 60) {
          FileManager.default.fileExists(atPath: world.sandbox.bin + "/spawned/\(base).code")
        },
        "the parent did not spawn \(base)")
      let code = try String(contentsOfFile: world.sandbox.bin + "/spawned/\(base).code", encoding: .utf8)
      let stderr =
        (try? String(contentsOfFile: world.sandbox.bin + "/spawned/\(base).err", encoding: .utf8)) ?? ""
      #expect(
        code.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "spawn of \(base) failed: \(stderr)")
      ids[base] = try #require(try world.waitUntilRunning(base)["id"] as? String)
    }
    return ids
  }

  /// The clear token of agent `id`, from its 0600 file.
  func token(of id: String) throws -> String {
    try String(contentsOfFile: world.stateDirectory(id) + "/token", encoding: .utf8)
      .trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// Runs `multiagent arguments…` as an agent would: with `MULTIAGENT_AGENT_ID`, `MULTIAGENT_TOKEN`
  /// and `MULTIAGENT_HOME` (each left out when nil), and no `--home`.
  func run(as id: String?, token: String?, _ arguments: [String]) throws -> CLIRunner.Result {
    var environment = ["MULTIAGENT_HOME": home]
    if let id { environment["MULTIAGENT_AGENT_ID"] = id }
    if let token { environment["MULTIAGENT_TOKEN"] = token }
    return try world.sandbox.runWithoutHome(arguments, extraEnvironment: environment)
  }

  /// Runs `multiagent arguments…` with agent `id`'s own token.
  func run(asAgent id: String, _ arguments: [String]) throws -> CLIRunner.Result {
    try run(as: id, token: try token(of: id), arguments)
  }

  /// The names in a `list --json` output.
  static func names(_ result: CLIRunner.Result) throws -> [String] {
    try result.jsonArray().compactMap { $0["name"] as? String }
  }

  /// The `parent` fake: spawns its children with `multiagent`, waits for its gate, completes.
  static let parentScript = #"""
    # multiagent-subagent-fake-parent
    here="$(cd "$(dirname "$0")" && pwd)"
    session=""; prompt=""
    while [ $# -gt 0 ]; do
      case "$1" in
        --session-id|--resume) session="$2"; shift 2 ;;
        --output-format|--model) shift 2 ;;
        -*) shift ;;
        *) prompt="$1"; shift ;;
      esac
    done
    echo "{\"type\":\"system\",\"subtype\":\"init\",\"session_id\":\"$session\",\"model\":\"fake\"}"
    mkdir -p "$here/spawned"
    children=$(printf '%s\n' "$prompt" | head -n 1 | sed -n 's/^@spawn \([^;]*\);.*/\1/p')
    for child in $children; do
      case "$child" in
        *=dn) name="${child%=dn}"; detach="--detach-from-parent --no-report" ;;
        *=d) name="${child%=d}"; detach="--detach-from-parent" ;;
        *=n) name="${child%=n}"; detach="--no-report" ;;
        *) name="$child"; detach="" ;;
      esac
      multiagent --json spawn --provider fake --cwd "$PWD" --name "$name" $detach "@gate child $name" \
        > "$here/spawned/$name.out" 2> "$here/spawned/$name.err"
      echo $? > "$here/spawned/$name.code.tmp"
      mv "$here/spawned/$name.code.tmp" "$here/spawned/$name.code"
    done
    echo "{\"type\":\"assistant\",\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"spawned: $children\"}]},\"session_id\":\"$session\"}"
    i=0
    while [ ! -e "$here/parent-gate" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
    printf '{"status":"done","result":"led: %s"}' "$children" > "$MULTIAGENT_SIGNAL_FILE"
    echo "{\"type\":\"result\",\"subtype\":\"success\",\"is_error\":false,\"result\":\"finished\",\"session_id\":\"$session\"}"
    exit 0
    """#
}

/// The environment of process `pid`, as `NAME=value` strings.
func environment(ofProcess pid: Int32) -> [String] {
  let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ") ?? Data()
  return data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
}
