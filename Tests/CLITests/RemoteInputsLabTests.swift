import Foundation
import ProcessKit
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// `spawn --host --input` against the CI lab (see ``HostsLabTests``): the files reach the agent on
/// the host byte for byte, the staging folder goes, and inputs refused here never reach a host.
@Suite(.serialized) struct RemoteInputsLabTests {
  /// A claude-speaking fake for the hosts: reports each file its prompt lists as context as
  /// `<sha256> <path>;` — the agent's own view of what arrived.
  static let checksumScript =
    RemoteAgentsLabTests.arguments + #"""
      echo "{\"type\":\"system\",\"subtype\":\"init\",\"session_id\":\"$session\",\"model\":\"fake\"}"
      sums=$(printf '%s\n' "$prompt" | sed -n '/^Context files for this task:$/,/^$/s/^- //p' |
        while IFS= read -r f; do printf '%s %s;' "$(sha256sum < "$f" | cut -d' ' -f1)" "$f"; done)
      printf '{"status":"done","result":"%s"}' "$sums" > "$MULTIAGENT_SIGNAL_FILE"
      echo "{\"type\":\"result\",\"subtype\":\"success\",\"is_error\":false,\"result\":\"read\",\"session_id\":\"$session\"}"
      """#

  /// The SHA-256 of `path`, as `sha256sum` prints it.
  static func checksum(_ path: String) throws -> String {
    let output = try ProcessRunner().run(
      "sha256sum", arguments: [path], environment: ["PATH": "/usr/bin:/bin"])
    return String(output.standardOutputText.prefix(64))
  }

  /// What a lab host's user home holds of multiagent: `bin`, `staging`, … (the host's state home
  /// `home` is made by ``RemoteAgentsLabTests/prepareHost(_:lab:script:)``).
  static func multiagentFolders(_ n: Int, lab: String) -> Set<String> {
    Set(
      (try? FileManager.default.contentsOfDirectory(atPath: "\(lab)/homes/ma-h\(n)/.local/share/multiagent"))
        ?? [])
  }

  @Test(.enabled(if: HostsLabTests.skipReason == nil, Comment(rawValue: HostsLabTests.skipReason ?? "")))
  func inputsReachTheAgentOnTheHostIntactAndTheStagingFolderGoes() throws {
    try HostsLabTests.withLab { lab in
      let sandbox = try CLISandbox()
      let repository = sandbox.root.path("repo")
      try GitRepository.create(at: repository)
      try HostsLabTests.addHost(1, to: sandbox, lab: lab)
      try RemoteAgentsLabTests.prepareHost(1, lab: lab, script: Self.checksumScript)
      try refusedInputsReachNoHost(sandbox, repository: repository, lab: lab)

      let directory = sandbox.root.path("inputs")
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
      var generator = SeededGenerator(seed: 15)
      let binary = Data(
        (0..<300_000).map { _ in UInt8.random(in: 0...255, using: &generator) } + [0, 0xFF, 0])
      let binaryPath = directory + "/data.bin"
      let spacedPath = directory + "/notes with spaces & 'quotes'.txt"
      try binary.write(to: URL(fileURLWithPath: binaryPath))
      try "line one\nline two\n".write(toFile: spacedPath, atomically: true, encoding: .utf8)
      let spawned = try sandbox.run([
        "--json", "spawn", "--host", "h1", "--provider", "fake", "--cwd", repository, "--name", "in1",
        "--input", binaryPath, "--input", spacedPath, "read the files",
      ])
      try #require(spawned.exitCode == 0, "\(spawned.stderr)")
      let remoteID = try #require(try spawned.jsonObject()["id"] as? String)
      #expect(Self.multiagentFolders(1, lab: lab).contains("staging"))
      let staging = "\(lab)/homes/ma-h1/.local/share/multiagent/staging"
      #expect(try FileManager.default.contentsOfDirectory(atPath: staging).isEmpty)
      var status = stat()
      #expect(lstat(staging, &status) == 0 && status.st_mode & 0o777 == 0o700)

      let waited = try sandbox.run(["--json", "wait", "in1", "--timeout", "60"])
      try #require(waited.exitCode == 0, "\(waited.stdout) \(waited.stderr)")
      let hostInputs = "\(lab)/homes/ma-h1/.local/share/multiagent/home/agents/\(remoteID)/inputs"
      let expected = try [(binaryPath, "data.bin"), (spacedPath, "notes with spaces & 'quotes'.txt")].map {
        try Self.checksum($0.0) + " " + hostInputs + "/" + $0.1 + ";"
      }.joined()
      #expect(try waited.jsonObject()["result"] as? String == expected)
      // The prompt on the host lists them as a local spawn's would.
      let prompt = try String(
        contentsOfFile: "\(lab)/homes/ma-h1/.local/share/multiagent/home/agents/\(remoteID)/prompt.md",
        encoding: .utf8)
      #expect(
        prompt.contains(
          "Context files for this task:\n- \(hostInputs)/data.bin\n- \(hostInputs)/notes with spaces & 'quotes'.txt\n"
        ),
        "\(prompt)")
      #expect(try FileManager.default.contentsOfDirectory(atPath: staging).isEmpty)

      // A spawn the host refuses after the files were staged leaves no staging folder either.
      let refused = try sandbox.run([
        "spawn", "--host", "h1", "--provider", "no-such-provider", "--cwd", repository, "--input", binaryPath,
        "task",
      ])
      #expect(refused.exitCode == 1 && refused.stderr.contains("on host h1"), "\(refused.stderr)")
      #expect(try FileManager.default.contentsOfDirectory(atPath: staging).isEmpty)
    }
  }

  /// A FIFO, a link to one and a dangling link are refused here with the local error, and nothing
  /// reaches the host: no multiagent installed there, no staging folder, no agent.
  func refusedInputsReachNoHost(_ sandbox: CLISandbox, repository: String, lab: String) throws {
    let directory = sandbox.root.path("refused")
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let fifo = try SpawnInputTests.make(.fifo, in: directory)
    let link = directory + "/to-pipe"
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: fifo)
    let dangling = try SpawnInputTests.make(.danglingLink, in: directory)
    for (input, message) in [
      (fifo, "input file \(fifo) is a FIFO (named pipe); only regular files can be inputs"),
      (link, "input file \(link) is a FIFO (named pipe); only regular files can be inputs"),
      (dangling, "input file \(dangling) is a symbolic link to missing.txt, which does not exist"),
    ] {
      let refused = try CLIRunner.run(
        [
          "--home", sandbox.home, "--json", "spawn", "--host", "h1", "--provider", "fake", "--cwd",
          repository,
          "--input", input, "task",
        ], environment: sandbox.environment, timeout: 20)
      #expect(refused.exitCode == 1, "\(refused.stderr)")
      let error = try refused.jsonObject()["error"] as? [String: Any]
      #expect(
        error?["code"] as? String == "invalid_path" && error?["message"] as? String == message,
        "\(refused.stdout)")
    }
    #expect(Self.multiagentFolders(1, lab: lab) == ["home"], "\(Self.multiagentFolders(1, lab: lab))")
    #expect(try sandbox.run(["--json", "list"]).jsonArray().isEmpty)
  }
}
