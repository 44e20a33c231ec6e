import Foundation
import ProcessKit
import Testing

#if canImport(Glibc)
  import Glibc
#endif

@Suite("ExitHandoff")
struct ExitHandoffTests {
  /// A connected pair of stream sockets, closed by the caller.
  private func socketPair() throws -> (Int32, Int32) {
    var pair: [Int32] = [-1, -1]
    try #require(
      socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0)
    return (pair[0], pair[1])
  }

  /// Whether `descriptor` becomes readable within `milliseconds`.
  private func readable(_ descriptor: Int32, within milliseconds: Int32) -> Bool {
    var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
    return poll(&entry, 1, milliseconds) == 1
  }

  @Test func theReceiverWakesWhenTheProcessExits() throws {
    let (sender, receiver) = try socketPair()
    defer {
      close(sender)
      close(receiver)
    }
    let launcher = ProcessLauncher()
    let child = try launcher.launch(
      ProcessLaunchConfiguration(
        executable: "sleep", arguments: ["1000"], environment: ["PATH": "/usr/bin:/bin"]))
    #expect(ExitHandoff.send(exitOf: child.pid, over: sender))

    var buffer = [UInt8](repeating: 0, count: 16)
    let (count, pidfd) = ExitHandoff.receive(from: receiver, into: &buffer)
    #expect(count == 1 && buffer[0] == ExitHandoff.byte)
    let descriptor = try #require(pidfd)
    defer { close(descriptor) }
    // The descriptor must not reach the children this process starts.
    #expect(fcntl(descriptor, F_GETFD) & FD_CLOEXEC != 0)
    #expect(!readable(descriptor, within: 50), "readable while the process runs")

    kill(child.pid, SIGKILL)
    #expect(readable(descriptor, within: 10_000), "not readable after the process was killed")
    #expect(try launcher.waitForExit(child.pid) == .signaled(SIGKILL))
  }

  @Test func plainBytesAndTheEndOfTheStreamCarryNoDescriptor() throws {
    let (sender, receiver) = try socketPair()
    defer { close(receiver) }
    let word = Array("go\n".utf8)
    #expect(send(sender, word, word.count, 0) == word.count)
    var buffer = [UInt8](repeating: 0, count: 16)
    let (count, pidfd) = ExitHandoff.receive(from: receiver, into: &buffer)
    #expect(count == 3 && Array(buffer[0..<3]) == word && pidfd == nil)

    close(sender)
    let end = ExitHandoff.receive(from: receiver, into: &buffer)
    #expect(end.count == 0 && end.pidfd == nil)
  }

  @Test func nothingIsSentForAProcessThatIsGoneOrAReceiverThatIsGone() throws {
    let (sender, receiver) = try socketPair()
    defer { close(sender) }
    #expect(!ExitHandoff.send(exitOf: 0, over: sender))
    #expect(!ExitHandoff.send(exitOf: getpid(), over: -1))
    close(receiver)
    // No SIGPIPE either: the test process would die of it. (Another test's child, between its fork
    // and its exec, may hold a copy of the receiver for a moment: the receiver is gone once it
    // execs, and from then on nothing is sent.)
    let deadline = ContinuousClock.now + .seconds(5)
    var sent = ExitHandoff.send(exitOf: getpid(), over: sender)
    while sent && ContinuousClock.now < deadline {
      usleep(1_000)
      sent = ExitHandoff.send(exitOf: getpid(), over: sender)
    }
    #expect(!sent)
  }
}
