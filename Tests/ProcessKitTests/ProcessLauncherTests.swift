import Foundation
import ProcessKit
import Testing

#if canImport(Glibc)
  import Glibc
#endif

@Suite("ProcessLauncher")
struct ProcessLauncherTests {
  let launcher = ProcessLauncher()
  let terminator = ProcessTerminator()

  @Test func childRunsInItsOwnSessionAndProcessGroup() async throws {
    let identity = try launcher.launch(
      ProcessLaunchConfiguration(
        executable: "sleep", arguments: ["1000"], environment: ProcessTesting.environment))
    #expect(getsid(identity.pid) == identity.pid)
    #expect(getpgid(identity.pid) == identity.pid)
    #expect(getsid(identity.pid) != getsid(0))
    #expect(await terminator.terminate(identity, grace: .seconds(10)) == .terminated)
    #expect(try await launcher.waitForExit(identity.pid) == .signaled(SIGTERM))
  }

  @Test func standardOutputAndErrorAreAppendedToOneFileKeepingItsContent() throws {
    let directory = try ProcessTesting.makeDirectory()
    defer { ProcessTesting.remove(directory) }
    let log = directory + "/output.log"
    try "existing\n".write(toFile: log, atomically: false, encoding: .utf8)
    for word in ["first", "second"] {
      let identity = try launcher.launch(
        ProcessLaunchConfiguration(
          executable: "/bin/sh", arguments: ["-c", "echo \(word)-out; echo \(word)-err >&2"],
          environment: ProcessTesting.environment, output: .appendingToFile(log)))
      #expect(try launcher.waitForExit(identity.pid) == .exited(0))
    }
    #expect(ProcessTesting.read(log) == "existing\nfirst-out\nfirst-err\nsecond-out\nsecond-err\n")
  }

  @Test func createdOutputFileIsPrivateToTheUser() throws {
    let directory = try ProcessTesting.makeDirectory()
    defer { ProcessTesting.remove(directory) }
    let log = directory + "/new.log"
    let identity = try launcher.launch(
      ProcessLaunchConfiguration(
        executable: "true", environment: ProcessTesting.environment, output: .appendingToFile(log)))
    _ = try launcher.waitForExit(identity.pid)
    var info = stat()
    #expect(stat(log, &info) == 0)
    #expect(info.st_mode & 0o777 == 0o600)
  }

  @Test func environmentIsExactlyTheGivenOnePlusTheSpawnID() throws {
    let directory = try ProcessTesting.makeDirectory()
    defer { ProcessTesting.remove(directory) }
    // The caller's own HOME, USER, … must not leak; a stale spawn id must be replaced.
    let environment = ["PATH": "/usr/bin:/bin", "GREETING": "hello world", "MULTIAGENT_SPAWN_ID": "stale"]
    let run = try ProcessTesting.run("/usr/bin/env", [], environment: environment, in: directory)
    #expect(run.status == .exited(0))
    let lines = run.output.split(separator: "\n").map(String.init).sorted()
    #expect(
      lines == [
        "GREETING=hello world", "MULTIAGENT_SPAWN_ID=\(run.identity.spawnID)", "PATH=/usr/bin:/bin",
      ])
    #expect(run.identity.spawnID.count == 32)
  }

  @Test func anInvalidEnvironmentIsRefusedBeforeAnythingStarts() throws {
    for environment in [["A=B": "x"], ["": "x"], ["NAME": "a\u{0}b"], ["NA\u{0}ME": "x"]] {
      #expect(throws: ProcessError.self) {
        try launcher.launch(ProcessLaunchConfiguration(executable: "true", environment: environment))
      }
    }
  }

  @Test func spawnIDsAreThirtyTwoLowercaseHexDigitsAndDiffer() {
    let ids = (0..<200).map { _ in ProcessIdentity.makeSpawnID() }
    #expect(Set(ids).count == ids.count)
    for id in ids {
      #expect(id.utf8.count == 32)
      #expect(id.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) })
    }
    // Every digit turns up in every position over many ids: none is stuck (a shift gone wrong).
    for position in 0..<32 {
      let seen = Set(ids.map { Array($0.utf8)[position] })
      #expect(seen.count > 8, "position \(position)")
    }
  }

  @Test func standardInputIsDevNullByDefault() throws {
    let directory = try ProcessTesting.makeDirectory()
    defer { ProcessTesting.remove(directory) }
    let cat = try ProcessTesting.run("cat", [], in: directory)
    #expect(cat.status == .exited(0))
    #expect(cat.output == "")
    let link = try ProcessTesting.run("readlink", ["/proc/self/fd/0"], in: directory)
    #expect(link.output == "/dev/null\n")
  }

  @Test func standardInputCanComeFromAFile() throws {
    let directory = try ProcessTesting.makeDirectory()
    defer { ProcessTesting.remove(directory) }
    let input = directory + "/prompt.md"
    try "Fix the flaky test\n".write(toFile: input, atomically: false, encoding: .utf8)
    let cat = try ProcessTesting.run("cat", [], standardInput: .file(input), in: directory)
    #expect(cat.output == "Fix the flaky test\n")
  }

  @Test func executableMissingFromPathIsExecutableNotFoundNamingItAndThePath() throws {
    let environment = ["PATH": "/nonexistent/bin:/usr/bin"]
    let error = #expect(throws: ProcessError.self) {
      try launcher.launch(
        ProcessLaunchConfiguration(executable: "multiagent-no-such-cli", environment: environment))
    }
    #expect(error?.code == .executableNotFound)
    #expect(error?.message.contains("multiagent-no-such-cli") == true)
    #expect(error?.message.contains("/nonexistent/bin:/usr/bin") == true)
  }

  @Test func executableIsResolvedOnTheChildsPathNotTheCallers() throws {
    let directory = try ProcessTesting.makeDirectory()
    defer { ProcessTesting.remove(directory) }
    let script = directory + "/fake-cli"
    try "#!/bin/sh\necho fake \"$@\"\n".write(toFile: script, atomically: false, encoding: .utf8)
    chmod(script, 0o755)
    let run = try ProcessTesting.run(
      "fake-cli", ["--version"], environment: ["PATH": "/nonexistent:\(directory):/usr/bin:/bin"],
      in: directory)
    #expect(run.output == "fake --version\n")
  }

  @Test func noDescriptorBeyondTheStandardThreeIsInherited() throws {
    let directory = try ProcessTesting.makeDirectory()
    defer { ProcessTesting.remove(directory) }
    // A descriptor without close-on-exec in the caller: only closefrom keeps it out of the child.
    var leaky: [Int32] = [-1, -1]
    #expect(pipe(&leaky) == 0)
    defer { leaky.forEach { close($0) } }
    let run = try ProcessTesting.run("ls", ["/proc/self/fd"], in: directory)
    #expect(run.status == .exited(0))
    // 0, 1, 2, and the directory ls opened to list them.
    #expect(run.output.split(separator: "\n") == ["0", "1", "2", "3"])
  }

  @Test func aPassedDescriptorBecomesDescriptorThreeAndNothingElseLeaks() throws {
    let directory = try ProcessTesting.makeDirectory()
    defer { ProcessTesting.remove(directory) }
    let log = directory + "/out.log"
    var channel: [Int32] = [-1, -1]
    #expect(pipe(&channel) == 0)
    var leaky: [Int32] = [-1, -1]
    #expect(pipe(&leaky) == 0)
    defer { leaky.forEach { close($0) } }
    var configuration = ProcessLaunchConfiguration(
      executable: "/bin/sh", arguments: ["-c", "read word <&3; echo \"$word\"; ls /proc/self/fd"],
      environment: ProcessTesting.environment, output: .appendingToFile(log))
    configuration.descriptor3 = channel[0]
    let identity = try launcher.launch(configuration)
    close(channel[0])
    let word = Array("hello\n".utf8)
    #expect(write(channel[1], word, word.count) == word.count)
    close(channel[1])
    #expect(try launcher.waitForExit(identity.pid) == .exited(0))
    // The word came through descriptor 3; ls sees 0-3 plus the directory it opened.
    #expect(ProcessTesting.read(log).split(separator: "\n") == ["hello", "0", "1", "2", "3", "4"])
  }

  @Test func signalMaskAndIgnoredSignalsAreResetInTheChild() throws {
    let directory = try ProcessTesting.makeDirectory()
    defer { ProcessTesting.remove(directory) }
    // An ignored signal would be inherited across exec without POSIX_SPAWN_SETSIGDEF.
    let previous = signal(SIGUSR2, SIG_IGN)
    defer { signal(SIGUSR2, previous) }
    let run = try ProcessTesting.run("grep", ["-E", "^Sig(Blk|Ign):", "/proc/self/status"], in: directory)
    #expect(run.output == "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n")
  }

  @Test func workingDirectoryIsApplied() throws {
    let directory = try ProcessTesting.makeDirectory()
    defer { ProcessTesting.remove(directory) }
    let run = try ProcessTesting.run("pwd", ["-P"], workingDirectory: directory, in: directory)
    let resolved = URL(fileURLWithPath: directory).resolvingSymlinksInPath().path
    #expect(run.output == resolved + "\n")
  }

  @Test func missingWorkingDirectoryIsReportedAsSuch() {
    let error = #expect(throws: ProcessError.self) {
      try launcher.launch(
        ProcessLaunchConfiguration(
          executable: "true", environment: ProcessTesting.environment,
          workingDirectory: "/nonexistent/worktree"))
    }
    #expect(error?.code == .workingDirectoryNotFound)
    #expect(error?.message.contains("/nonexistent/worktree") == true)
  }

  @Test func nonZeroExitAndSignalAreResultsNotErrors() throws {
    let directory = try ProcessTesting.makeDirectory()
    defer { ProcessTesting.remove(directory) }
    #expect(try ProcessTesting.run("/bin/sh", ["-c", "exit 3"], in: directory).status == .exited(3))
    #expect(
      try ProcessTesting.run("/bin/sh", ["-c", "kill -KILL $$"], in: directory).status == .signaled(SIGKILL))
  }

  @Test func exitStatusDecodesRawWaitStatuses() {
    #expect(ProcessKit.ExitStatus(waitStatus: 0x0300) == .exited(3))
    #expect(ProcessKit.ExitStatus(waitStatus: 0x0009) == .signaled(9))
    #expect(ProcessKit.ExitStatus(waitStatus: 0x0089) == .signaled(9))  // core dumped
    #expect(ProcessKit.ExitStatus(waitStatus: 0x137f) == nil)  // stopped by SIGSTOP
  }

  @Test func asyncWaitReapsTheChild() async throws {
    let identity = try launcher.launch(
      ProcessLaunchConfiguration(
        executable: "/bin/sh", arguments: ["-c", "exit 5"], environment: ProcessTesting.environment))
    #expect(try await launcher.waitForExit(identity.pid) == .exited(5))
    #expect(throws: ProcessError.self) { try launcher.waitForExit(identity.pid) }
  }

  @Test func waitingForANonChildIsNotAChild() {
    let error = #expect(throws: ProcessError.self) { try launcher.waitForExit(1) }
    #expect(error?.code == .notAChild)
  }

  @Test func detachedChildIsReapedInTheBackground() async throws {
    let directory = try ProcessTesting.makeDirectory()
    defer { ProcessTesting.remove(directory) }
    let log = directory + "/supervisor.log"
    let configuration = ProcessLaunchConfiguration(
      executable: "/bin/sh", arguments: ["-c", "echo detached $MULTIAGENT_SPAWN_ID; exit 7"],
      environment: ProcessTesting.environment, output: .appendingToFile(log))
    var identity: ProcessIdentity?
    let result: Result<ProcessKit.ExitStatus, ProcessError> = await withCheckedContinuation { continuation in
      do {
        identity = try launcher.launchDetached(
          configuration, reaping: .inBackground { continuation.resume(returning: $0) })
      } catch let error as ProcessError {
        continuation.resume(returning: .failure(error))
      } catch {
        continuation.resume(returning: .failure(ProcessError(code: .spawnFailed, message: "\(error)")))
      }
    }
    #expect(try result.get() == .exited(7))
    let spawnID = try #require(identity).spawnID
    #expect(ProcessTesting.read(log) == "detached \(spawnID)\n")
    // Reaped: no zombie left, and a second wait finds no such child.
    #expect(ProcessInspector().isAlive(try #require(identity)) == false)
    #expect(throws: ProcessError.self) { try launcher.waitForExit(try #require(identity).pid) }
  }
}
