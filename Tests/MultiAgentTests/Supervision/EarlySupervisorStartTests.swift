import Foundation
import ProcessKit
import TestSupport
import Testing

@testable import MultiAgent

#if canImport(Glibc)
  import Glibc
#endif

/// A supervisor started before its spawn read the command line (`… --early ID`) learns its words
/// and environment from the spawn's first line on its descriptor 3: exactly those a supervisor
/// started the usual way gets, or nothing at all (it then exits having touched nothing).
@Suite struct EarlySupervisorStartTests {
  /// A connected pair of stream sockets; the first is written by the test.
  private func socketPair() throws -> (Int32, Int32) {
    var pair: [Int32] = [-1, -1]
    try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
    return (pair[0], pair[1])
  }

  /// What `receive` makes of `bytes` written and then the end of the stream.
  private func received(_ bytes: [UInt8], agentID: String = "00000000000000a1") throws
    -> EarlySupervisorStart.Received
  {
    let (writer, reader) = try socketPair()
    #expect(bytes.withUnsafeBytes { write(writer, $0.baseAddress, $0.count) } == bytes.count)
    close(writer)
    return EarlySupervisorStart.receive(agentID: agentID, descriptor: reader)
  }

  @Test func theSpawnsLineGivesTheWordsAndTheEnvironment() throws {
    let words = SupervisorArguments(
      home: "/h o/me", agentID: "00000000000000a1", awaitStart: true, provider: "codex")
    let environment = ["PATH": "/usr/bin", "ODD": "a\nb \"c\" é", "EMPTY": ""]
    let line = EarlySupervisorStart.line(words: words.words, environment: environment)
    #expect(line.last == UInt8(ascii: "\n") && line.dropLast().contains(UInt8(ascii: "\n")) == false)
    #expect(try received(line) == .start(words, environment: environment))
  }

  /// A supervisor slow to read finds the word to go behind the line: it takes the line alone and
  /// leaves the word to be read next.
  @Test func theWordSentRightAfterTheLineIsLeftInTheSocket() throws {
    let words = SupervisorArguments(
      home: "/home", agentID: "00000000000000a1", awaitStart: true, provider: "codex")
    let environment = ["PATH": "/usr/bin"]
    let (writer, reader) = try socketPair()
    defer { close(reader) }
    let bytes =
      EarlySupervisorStart.line(words: words.words, environment: environment)
      + Array(PendingSupervisor.goWord.utf8)
    #expect(bytes.withUnsafeBytes { write(writer, $0.baseAddress, $0.count) } == bytes.count)
    close(writer)
    #expect(
      EarlySupervisorStart.receive(agentID: "00000000000000a1", descriptor: reader)
        == .start(words, environment: environment))
    var rest = [UInt8](repeating: 0, count: 64)
    let count = read(reader, &rest, rest.count)
    #expect(count >= 0 && Array(rest[0..<max(count, 0)]) == Array(PendingSupervisor.goWord.utf8))
  }

  @Test func aSpawnThatGaveUpSendsNothing() throws {
    #expect(try received([]) == .abandoned)
  }

  @Test(arguments: [
    "not json\n",
    #"{"words":["--home","/h","00000000000000a1"],"environment":{}}\#n"#,  // no --await-start
    #"{"words":["--home","/h","--await-start","00000000000000b2"],"environment":{}}\#n"#,  // another agent
    #"{"words":["--home","/h","--await-start","--early","00000000000000a1"],"environment":{}}\#n"#,
    #"{"words":["--home","/h","--await-start","00000000000000a1"],"environment":{"A":1}}\#n"#,
    #"{"words":["--home","/h","--await-start","00000000000000a1"],"environment":{"A=B":"c"}}\#n"#,
    #"{"words":["--home","/h","--await-start","00000000000000a1"]}\#n"#,
    #"{"words":["--home","/h","--await-start","00000000000000a1"],"environment":{}}"#,  // cut short
  ])
  func anythingElseIsRefused(line: String) throws {
    guard case .invalid = try received(Array(line.utf8)) else {
      Issue.record("accepted: \(line)")
      return
    }
  }

  @Test func itsOwnWordsNameOnlyTheAgentAndPerhapsTheHome() {
    let early = SupervisorArguments(words: ["--home", "/h", "--early", "00000000000000a1"])
    #expect(early?.early == true && early?.home == "/h" && early?.agentID == "00000000000000a1")
    #expect(SupervisorArguments(words: ["--early", "00000000000000a1"])?.home == "")
    #expect(SupervisorArguments(words: ["00000000000000a1"]) == nil)
  }

  /// A stand-in for the early supervisor: notes the spawn's line and then the word in the file
  /// named by its argument.
  static let standIn = """
    import socket, sys
    sock = socket.socket(fileno=3)
    data = b""
    while data.count(b"\\n") < 2:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    open(sys.argv[1], "wb").write(data)
    """

  @Test func anAdoptedSupervisorIsSentWhatAPrelaunchedOneIsStartedWith() throws {
    let folder = try TemporaryDirectory(prefix: "early-adopt")
    let notes = folder.path("notes")
    let (ours, theirs) = try socketPair()
    var configuration = ProcessLaunchConfiguration(
      executable: "/usr/bin/env", arguments: ["python3", "-c", Self.standIn, notes],
      environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"],
      workingDirectory: "/", standardInput: .null, output: .null)
    configuration.descriptor3 = theirs
    let identity = try ProcessLauncher().launch(configuration)
    close(theirs)
    let home = StateHome(path: folder.path("home"))
    let pending = try #require(
      AgentManager.adoptEarlySupervisor(
        pid: identity.pid, socket: ours, agentID: "00000000000000c3", spawnID: identity.spawnID,
        supervision: .detached(executable: "/bin/multiagent", arguments: ["__supervise"]), home: home,
        provider: "codex"))
    #expect(pending.agentID == "00000000000000c3")
    #expect(pending.identity == identity)
    #expect(pending.go())
    pending.cancel()
    #expect(try ProcessLauncher().waitForExit(identity.pid) == .exited(0))
    let written = try Data(contentsOf: URL(fileURLWithPath: notes))
    let lines = written.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    #expect(lines.count == 3 && String(decoding: lines[1], as: UTF8.self) == "go")
    let (ours2, theirs2) = try socketPair()
    #expect(
      Array(lines[0] + [UInt8(ascii: "\n")]).withUnsafeBytes { write(ours2, $0.baseAddress, $0.count) } > 0)
    close(ours2)
    guard
      case .start(let words, let environment) = EarlySupervisorStart.receive(
        agentID: "00000000000000c3", descriptor: theirs2)
    else {
      Issue.record("not a start line: \(String(decoding: lines[0], as: UTF8.self))")
      return
    }
    #expect(
      words
        == SupervisorArguments(
          home: home.path, agentID: "00000000000000c3", awaitStart: true, provider: "codex"))
    #expect(environment["MULTIAGENT_SUPERVISION"] == #"["/bin/multiagent","__supervise"]"#)
    #expect(environment[ProcessIdentity.spawnIDVariable] == nil)
    #expect(environment["PATH"] == ProcessInfo.processInfo.environment["PATH"])
  }

  @Test func aSupervisorGoneBeforeItsLineIsNotAdopted() throws {
    let (ours, theirs) = try socketPair()
    let configuration = ProcessLaunchConfiguration(
      executable: "/bin/true", arguments: [], environment: [:], workingDirectory: "/", standardInput: .null,
      output: .null)
    let identity = try ProcessLauncher().launch(configuration)
    close(theirs)
    // Exited and not reaped: the adoption reaps it.
    #expect(eventuallyZombie(identity.pid))
    let adopted = AgentManager.adoptEarlySupervisor(
      pid: identity.pid, socket: ours, agentID: "00000000000000d4", spawnID: identity.spawnID,
      supervision: .detached(executable: "/bin/multiagent", arguments: ["__supervise"]),
      home: StateHome(path: "/nonexistent"), provider: "codex")
    #expect(adopted == nil)
  }

  /// Whether `pid` is a zombie within a few seconds.
  private func eventuallyZombie(_ pid: Int32) -> Bool {
    for _ in 0..<200 {
      if ProcessInspector().snapshot(of: pid)?.isZombie == true { return true }
      usleep(20_000)
    }
    return false
  }
}
