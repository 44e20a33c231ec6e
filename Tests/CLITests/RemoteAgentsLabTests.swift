import Foundation
import ProcessKit
import TestSupport
import Testing

/// `spawn --host` against the CI lab (see ``HostsLabTests``): agents on two real SSH hosts, seen
/// and driven from here, through a cut and a heal.
@Suite(.serialized) struct RemoteAgentsLabTests {
  /// A claude-speaking fake for the hosts: commits `remote.txt` in its worktree and signals done;
  /// `@gate` makes it wait for the file `gate` next to it first.
  static let fakeScript =
    arguments + #"""
      echo "{\"type\":\"system\",\"subtype\":\"init\",\"session_id\":\"$session\",\"model\":\"fake\"}"
      case "$prompt" in
        *@ask*)
          printf '{"status":"questions","questions":[{"id":"q1","question":"Which color?","options":["red","blue"]}]}' > "$MULTIAGENT_SIGNAL_FILE"
          echo "{\"type\":\"result\",\"subtype\":\"success\",\"is_error\":false,\"result\":\"asked\",\"session_id\":\"$session\"}"
          exit 0 ;;
        *"The user answered"*) printf '%s\n' "$prompt" > answered.txt; git add answered.txt ;;
        *@note*) printf '%s\n' "$prompt" > note.txt; git add note.txt ;;
        *@gate*) i=0; while [ ! -e "$here/gate" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done ;;
      esac
      echo "made on $(hostname -I 2>/dev/null | cut -d' ' -f1)" > remote.txt
      git add remote.txt && git -c user.name=fake -c user.email=fake@example.invalid commit -qm "remote work"
      echo "{\"type\":\"assistant\",\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"committed remote.txt\"}]},\"session_id\":\"$session\"}"
      printf '{"status":"done","result":"done remotely"}' > "$MULTIAGENT_SIGNAL_FILE"
      echo "{\"type\":\"result\",\"subtype\":\"success\",\"is_error\":false,\"result\":\"finished\",\"session_id\":\"$session\"}"
      """#

  /// The start of every lab fake: the directory it lives in (`$here`), the session id given with
  /// `--session-id`/`--resume`, and the prompt (the last word, else standard input).
  static let arguments = #"""
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
    [ -z "$prompt" ] && prompt=$(cat)
    """# + "\n"

  /// Gives lab host `n` the fake provider (`script`, by default ``fakeScript``) in its own
  /// multiagent home, owned by its user.
  static func prepareHost(_ n: Int, lab: String, script: String = fakeScript) throws {
    let home = "\(lab)/homes/ma-h\(n)"
    let fake = home + "/fake/fake-claude"
    let state = home + "/.local/share/multiagent/home"
    try FileManager.default.createDirectory(atPath: home + "/fake", withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
    try ("#!/bin/sh\n" + script + "\n").write(toFile: fake, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake)
    try #"{"providers": {"fake": {"extends": "claude", "binary": "\#(fake)"}}}"#.write(
      toFile: state + "/providers.json", atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: state)
    let chown = try ProcessRunner().run(
      "chown", arguments: ["-R", "ma-h\(n):", home + "/fake", home + "/.local"],
      environment: ["PATH": "/usr/bin:/bin"])
    try #require(chown.exit == .exited(0), "\(chown.standardErrorText)")
  }

  /// `list --json`, by name.
  static func list(_ sandbox: CLISandbox) throws -> [String: [String: Any]] {
    let result = try sandbox.run(["--json", "list"])
    #expect(result.exitCode == 0, "\(result.stderr)")
    var byName: [String: [String: Any]] = [:]
    for agent in try result.jsonArray() { byName[agent["name"] as? String ?? ""] = agent }
    return byName
  }

  @Test(.enabled(if: HostsLabTests.skipReason == nil, Comment(rawValue: HostsLabTests.skipReason ?? "")))
  func agentsOnTwoHostsAreSeenWaitedStoppedAndDeletedFromHere() throws {
    try HostsLabTests.withLab { lab in
      let sandbox = try CLISandbox()
      let repository = sandbox.root.path("repo")
      try GitRepository.create(at: repository)
      for n in 1...2 {
        try HostsLabTests.addHost(n, to: sandbox, lab: lab)
        try Self.prepareHost(n, lab: lab)
      }
      let spawn = { (host: String, name: String, prompt: String) throws in
        let result = try sandbox.run([
          "--json", "spawn", "--host", host, "--provider", "fake", "--cwd", repository, "--name", name,
          prompt,
        ])
        try #require(result.exitCode == 0, "spawn \(name) on \(host): \(result.stderr)")
        return try result.jsonObject()
      }
      let first = try spawn("h1", "r1", "do the work")
      #expect(first["host"] as? String == "h1")
      let second = try spawn("h2", "r2", "@gate wait, then work")
      let listed = try Self.list(sandbox)
      #expect(
        listed["r1"]?["host"] as? String == "h1" && listed["r2"]?["host"] as? String == "h2", "\(listed)")

      let waited = try sandbox.run(["wait", "r1", "--timeout", "60"])
      #expect(waited.exitCode == 0 && waited.stdout == "completed\n", "\(waited.stdout) \(waited.stderr)")
      let file = try GitRepository.git(["show", "multiagent/r1:remote.txt"], in: repository)
      #expect(file == "made on 10.77.1.2\n")
      let logs = try sandbox.run(["logs", "r1"])
      #expect(
        logs.exitCode == 0 && logs.stdout.contains("committed remote.txt"), "\(logs.stdout) \(logs.stderr)")

      // Cut h2 while r2 waits at its gate: unreachable, never terminal; it goes on over there.
      #expect(try HostsLabTests.lab(["cut", "h2"]).exit == .exited(0))
      let cut = try Self.list(sandbox)
      #expect(cut["r2"]?["status"] as? String == "unreachable", "\(String(describing: cut["r2"]))")
      #expect(cut["r1"]?["status"] as? String == "completed")
      try Data().write(to: URL(fileURLWithPath: lab + "/homes/ma-h2/fake/gate"))
      #expect(try HostsLabTests.lab(["heal", "h2"]).exit == .exited(0))
      let healed = try sandbox.run(["--json", "wait", "r2", "--timeout", "60"])
      #expect(healed.exitCode == 0, "\(healed.stderr)")
      let record = try healed.jsonObject()
      #expect(
        record["id"] as? String == second["id"] as? String && record["status"] as? String == "completed")
      #expect(
        try GitRepository.git(["show", "multiagent/r2:remote.txt"], in: repository) == "made on 10.77.2.2\n")

      try stopAndDelete(sandbox, repository: repository, lab: lab, spawn: spawn)
    }
  }

  /// A gated agent on h1 is stopped there; deleting agents removes them on both sides.
  func stopAndDelete(
    _ sandbox: CLISandbox, repository: String, lab: String,
    spawn: (String, String, String) throws -> [String: Any]
  ) throws {
    try? FileManager.default.removeItem(atPath: lab + "/homes/ma-h1/fake/gate")
    _ = try spawn("h1", "r3", "@gate never opened")
    let stopped = try sandbox.run(["--json", "stop", "r3", "--grace", "1"])
    #expect(stopped.exitCode == 0, "\(stopped.stderr)")
    #expect(try stopped.jsonObject()["status"] as? String == "stopped")
    for name in ["r1", "r3"] {
      let deleted = try sandbox.run(["delete", name])
      #expect(deleted.exitCode == 0 && deleted.stdout == "deleted \(name)\n", "\(deleted.stderr)")
    }
    let left = try Self.list(sandbox)
    #expect(Set(left.keys) == ["r2"], "\(left.keys)")
    let branches = try GitRepository.git(["branch", "--list", "multiagent/*"], in: repository)
    #expect(!branches.contains("multiagent/r1") && branches.contains("multiagent/r2"), "\(branches)")
    #expect(
      !FileManager.default.fileExists(atPath: lab + "/homes/ma-h1/.local/share/multiagent/home/worktrees/r1"))
    let shown = try sandbox.run(["show", "r1"])
    #expect(shown.exitCode != 0)
  }

  @Test(.enabled(if: HostsLabTests.skipReason == nil, Comment(rawValue: HostsLabTests.skipReason ?? "")))
  func aRemoteAgentIsAskedAnsweredAndSentToFromHere() throws {
    try HostsLabTests.withLab { lab in
      let sandbox = try CLISandbox()
      let repository = sandbox.root.path("repo")
      try GitRepository.create(at: repository)
      try HostsLabTests.addHost(1, to: sandbox, lab: lab)
      try Self.prepareHost(1, lab: lab)
      let spawned = try sandbox.run([
        "spawn", "--host", "h1", "--provider", "fake", "--cwd", repository, "--name", "q4", "@ask first",
      ])
      try #require(spawned.exitCode == 0, "\(spawned.stderr)")
      let asked = try sandbox.run(["wait", "q4", "--timeout", "60"])
      #expect(asked.exitCode == 3 && asked.stdout == "waiting_for_input\n", "\(asked.stdout) \(asked.stderr)")
      let questions = try sandbox.run(["--json", "questions", "q4"]).jsonArray()
      #expect(
        questions.count == 1 && questions.first?["question"] as? String == "Which color?", "\(questions)")
      let text = try sandbox.run(["questions", "q4"])
      #expect(text.stdout == "q1: Which color?\n    options: red | blue\n", "\(text.stdout) \(text.stderr)")

      let answered = try sandbox.run([
        "answer", "q4", "--answer", "q1=blue it is", "--wait", "--timeout", "60",
      ])
      #expect(
        answered.exitCode == 0 && answered.stdout == "q4\ncompleted\n",
        "\(answered.stdout) \(answered.stderr)")
      let file = try GitRepository.git(["show", "multiagent/q4:answered.txt"], in: repository)
      #expect(file.contains("q1 (Which color?): blue it is"), "\(file)")

      // The host refuses: the agent no longer waits for answers. Its message and exit code come back.
      let refused = try sandbox.run(["--json", "answer", "q4", "--answer", "q1=red"])
      #expect(refused.exitCode == 1 && refused.stderr.contains("on host h1"), "\(refused.stderr)")
      #expect(try refused.jsonObject()["error"] != nil)

      let sent = try sandbox.run(
        ["send", "q4", "--wait", "--timeout", "60", "-"], input: "@note and 'quotes' $HOME\n")
      #expect(sent.exitCode == 0 && sent.stdout == "q4\ncompleted\n", "\(sent.stdout) \(sent.stderr)")
      let note = try GitRepository.git(["show", "multiagent/q4:note.txt"], in: repository)
      #expect(note.contains("@note and 'quotes' $HOME"), "\(note)")
      try vanishedAgentEndsTheWait(sandbox, lab: lab)
    }
  }

  /// Deleted on the host behind the controller's back: `wait` ends with an error.
  func vanishedAgentEndsTheWait(_ sandbox: CLISandbox, lab: String) throws {
    _ = try HostsLabTests.onHost(1, lab: lab, ["delete", "q4"])
    let waited = try sandbox.run(["wait", "q4", "--timeout", "60"])
    #expect(waited.exitCode == 1 && waited.stderr.contains("gone from host h1"), "\(waited.stderr)")
    // Following it ends too, instead of waiting for news that cannot come.
    for arguments in [
      ["logs", "q4", "--raw", "--follow"], ["logs", "q4", "--follow"],
      ["events", "--follow", "--agent", "q4"],
    ] {
      let followed = try sandbox.run(arguments)
      #expect(followed.exitCode == 1, "\(arguments): \(followed.stderr)")
    }
  }
}
