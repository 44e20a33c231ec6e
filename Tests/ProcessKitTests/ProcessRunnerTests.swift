import Foundation
import ProcessKit
import Testing

#if canImport(Glibc)
  import Glibc
#endif

@Suite("ProcessRunner")
struct ProcessRunnerTests {
  let runner = ProcessRunner()
  let environment = ProcessTesting.environment

  @Test func capturesStandardOutputAndErrorSeparately() throws {
    let output = try runner.run(
      "sh", arguments: ["-c", "printf 'out\\n'; printf 'err\\n' >&2"], environment: environment)
    #expect(output.exit == .exited(0))
    #expect(output.standardOutputText == "out\n")
    #expect(output.standardErrorText == "err\n")
    #expect(output.interruption == nil)
  }

  @Test func aNonZeroExitIsAResultNotAnError() throws {
    let output = try runner.run(
      "sh", arguments: ["-c", "echo failing >&2; exit 3"], environment: environment)
    #expect(output.exit == .exited(3))
    #expect(!output.exit.isSuccess)
    #expect(output.standardErrorText == "failing\n")
  }

  @Test func aSignalIsAResultToo() throws {
    let output = try runner.run("sh", arguments: ["-c", "kill -KILL $$"], environment: environment)
    #expect(output.exit == .signaled(SIGKILL))
  }

  @Test func standardInputIsDeliveredThenClosed() throws {
    let secret = Array("refresh-token=abc\nsecond line".utf8)
    let output = try runner.run("cat", environment: environment, standardInput: secret)
    #expect(output.exit == .exited(0))
    #expect(output.standardOutput == secret)
  }

  @Test func largeInputAndOutputDoNotDeadlock() throws {
    // More than a pipe holds (64 KiB) both ways at once.
    let input = [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20)
    let output = try runner.run("cat", environment: environment, standardInput: input)
    #expect(output.exit == .exited(0))
    #expect(output.standardOutput.count == input.count)
  }

  @Test func aChildThatIgnoresItsInputDoesNotKillTheRunner() throws {
    let input = [UInt8](repeating: 0, count: 1 << 20)
    let output = try runner.run(
      "sh", arguments: ["-c", "exec 0<&-; echo done"], environment: environment, standardInput: input)
    #expect(output.exit == .exited(0))
    #expect(output.standardOutputText == "done\n")
  }

  @Test func withoutInputStandardInputIsEmpty() throws {
    let output = try runner.run("sh", arguments: ["-c", "wc -c"], environment: environment)
    #expect(output.standardOutputText.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
  }

  @Test func aMissingExecutableIsAClearError() {
    let error = #expect(throws: ProcessError.self) {
      try runner.run("multiagent-no-such-tool", arguments: ["--version"], environment: environment)
    }
    #expect(error?.code == .executableNotFound)
    #expect(error?.message.contains("multiagent-no-such-tool") == true)
    #expect(error?.message.contains("/usr/bin:/bin") == true)
  }

  @Test func aMissingWorkingDirectoryIsAClearError() {
    let error = #expect(throws: ProcessError.self) {
      try runner.run("pwd", environment: environment, workingDirectory: "/nonexistent/multiagent")
    }
    #expect(error?.code == .workingDirectoryNotFound)
  }

  @Test func runsInTheWorkingDirectoryWithExactlyTheEnvironmentGiven() throws {
    let directory = try ProcessTesting.makeDirectory()
    defer { ProcessTesting.remove(directory) }
    let output = try runner.run(
      "sh", arguments: ["-c", "pwd; echo \"$ONLY_THIS\"; env | grep -c HOME || true"],
      environment: environment.merging(["ONLY_THIS": "yes"]) { $1 }, workingDirectory: directory)
    let lines = output.standardOutputText.split(separator: "\n").map(String.init)
    #expect(lines.count == 3)
    #expect(
      URL(fileURLWithPath: lines.first ?? "").resolvingSymlinksInPath().path
        == URL(fileURLWithPath: directory).resolvingSymlinksInPath().path)
    #expect(lines.dropFirst().first == "yes")
    #expect(lines.last == "0")
  }

  @Test func argumentsAreNeverInterpretedByAShell() throws {
    let output = try runner.run(
      "printf", arguments: ["%s|", "$HOME", "a b", "`id`", ";"], environment: environment)
    #expect(output.standardOutputText == "$HOME|a b|`id`|;|")
  }

  @Test func outputBeyondTheLimitIsDropped() throws {
    let output = try runner.run(
      "sh", arguments: ["-c", "head -c 100000 /dev/zero"], environment: environment, outputLimit: 1000)
    #expect(output.exit == .exited(0))
    #expect(output.standardOutput.count == 1000)
  }

  @Test func aTimeoutStopsTheWholeGroup() throws {
    let started = ContinuousClock.now
    let output = try runner.run(
      "sh", arguments: ["-c", "echo started; trap '' TERM; sleep 1000 & sleep 1000"],
      environment: environment,
      timeout: .milliseconds(300), terminationGrace: .milliseconds(200))
    #expect(output.interruption == .timedOut)
    #expect(output.exit == .signaled(SIGKILL))
    #expect(output.standardOutputText == "started\n")
    #expect(ContinuousClock.now - started < .seconds(20))
  }

  @Test func theRunEndsWhenTheProcessExitsEvenIfADescendantHoldsItsOutput() throws {
    let started = ContinuousClock.now
    let output = try runner.run(
      "sh", arguments: ["-c", "sleep 10 & echo parent"], environment: environment, timeout: .seconds(20))
    #expect(output.interruption == nil)
    #expect(output.exit == .exited(0))
    #expect(output.standardOutputText == "parent\n")
    #expect(ContinuousClock.now - started < .seconds(8))
  }

  @Test func asyncRunCapturesTheSame() async throws {
    let output = try await runner.run(
      "sh", arguments: ["-c", "cat; echo more; exit 4"], environment: environment,
      standardInput: Array("in\n".utf8))
    #expect(output.exit == .exited(4))
    #expect(output.standardOutputText == "in\nmore\n")
  }

  @Test func cancellingTheTaskStopsTheProcess() async throws {
    let task = Task {
      try await runner.run(
        "sleep", arguments: ["1000"], environment: environment, terminationGrace: .seconds(5))
    }
    try await Task.sleep(for: .milliseconds(100))
    task.cancel()
    let output = try await task.value
    #expect(output.interruption == .cancelled)
    #expect(output.exit == .signaled(SIGTERM))
  }
}
