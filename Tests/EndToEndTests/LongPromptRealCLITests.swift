import Foundation
import JSONKit
import TestSupport
import Testing

/// A 200 KiB prompt — over the 128 KiB Linux allows in one argument — reaches the REAL claude and
/// codex CLIs whole, on their stdin, and the agent completes: driven through the `multiagent`
/// binary against the fake model server.
@Suite(.serialized) struct LongPromptRealCLITests {
  let directory: TemporaryDirectory
  let home: String
  let repository: String

  init() throws {
    directory = try TemporaryDirectory(prefix: "longprompt")
    home = directory.path("home")
    repository = directory.path("repo")
    try GitRepository.create(at: repository)
  }

  static let filler = "lorem ipsum dolor sit amet, consectetur adipiscing elit\n"
  static let fillerCount = 200 * 1024 / filler.utf8.count + 1
  static let prompt =
    "Read the text below.\n" + String(repeating: filler, count: fillerCount) + "END-OF-PROMPT"

  static let script = """
    [
      {"text": "Read it.", "shell": \(JSONWriter.string(.string(
        #"printf '%s' '{"status":"done","result":"Read the long text."}' > "$MULTIAGENT_SIGNAL_FILE""#)))},
      {"text": "Done."}
    ]
    """

  func run(provider: String, environment: [String: String], server: FakeModelServer) throws {
    #expect(Self.prompt.utf8.count > 200 * 1024)
    let file = directory.path("prompt.txt")
    try Self.prompt.write(toFile: file, atomically: true, encoding: .utf8)
    let spawn = try CLIRunner.run(
      [
        "--home", home, "spawn", "--provider", provider, "--cwd", repository, "--name", "long-\(provider)",
        "--prompt-file", file, "--wait", "--timeout", "150",
      ], environment: environment, timeout: 180)
    #expect(spawn.exitCode == 0, "spawn: \(spawn.stdout) \(spawn.stderr)")
    let record = try #require(
      try CLIRunner.run(["--home", home, "--json", "show", "long-\(provider)"], environment: environment)
        .json() as? [String: Any])
    #expect(record["status"] as? String == "completed", "\(record)")
    #expect(record["result"] as? String == "Read the long text.")

    // The model got the whole prompt, once, in the first request.
    let first = try #require(try server.requests().first)
    let body = JSONWriter.string(first["body"] ?? .null)
    #expect(body.components(separatedBy: "lorem ipsum dolor sit amet").count - 1 == Self.fillerCount)
    #expect(body.contains("Read the text below."))
    #expect(body.contains("END-OF-PROMPT"))
    #expect(body.contains("MULTIAGENT_SIGNAL_FILE"))
  }

  @Test(.enabled(if: RealCLIs.hasClaude, RealCLIs.skipReason))
  func claudeTakesA200KiBPromptOnStdin() throws {
    let server = try FakeModelServer(
      script: #"{"keys": {"key-long": \#(Self.script)}}"#, directory: directory.url)
    defer { server.stop() }
    var environment = RealCLIs.claudeEnvironment(server: server, key: "key-long")
    environment["HOME"] = directory.path("user")
    environment["PATH"] = RealCLIs.binDirectory.path + ":/usr/local/bin:/usr/bin:/bin"
    environment["CLAUDE_CONFIG_DIR"] = directory.path("claude-config")
    try run(provider: "claude", environment: environment, server: server)
  }

  @Test(.enabled(if: RealCLIs.hasCodex, RealCLIs.skipReason))
  func codexTakesA200KiBPromptOnStdin() throws {
    let server = try FakeModelServer(
      script: #"{"keys": {"key-long": \#(Self.script)}}"#, directory: directory.url)
    defer { server.stop() }
    // Point codex at the fake server through the user's providers.json.
    try RealCLIs.writeCodexCatalog(server: server, home: home)
    let codexHome = directory.path("codex-home")
    try FileManager.default.createDirectory(atPath: codexHome, withIntermediateDirectories: true)
    let environment = [
      "HOME": directory.path("user"), "PATH": RealCLIs.binDirectory.path + ":/usr/local/bin:/usr/bin:/bin",
      "CODEX_HOME": codexHome, "CODEX_API_KEY": "key-long",
    ]
    try run(provider: "codex", environment: environment, server: server)
  }
}
