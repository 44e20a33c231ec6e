import CMultiAgentShims

#if canImport(Glibc)
  import Glibc
#endif

/// Hands a process's exit from the process that started it to another one waiting on a socket: a
/// pidfd of the process (Linux 5.3+) sent with one byte. The receiver can then wake the moment the
/// process exits, together with its parent instead of after it, and be running when the parent's
/// word follows; the pidfd is only ever a hint of what comes next.
public enum ExitHandoff {
  /// The byte sent with the descriptor.
  public static let byte: UInt8 = UInt8(ascii: "x")

  /// Sends a pidfd of process `pid` over the connected socket `socket`.
  ///
  /// - Returns: whether it was sent (no pidfds here, or the receiver gone, is `false`).
  @discardableResult
  public static func send(exitOf pid: Int32, over socket: Int32) -> Bool {
    guard pid > 0, socket >= 0 else { return false }
    let descriptor = multiagent_pidfd_open(pid)
    guard descriptor >= 0 else { return false }
    defer { close(descriptor) }
    return multiagent_send_descriptor(socket, descriptor, byte) == 1
  }

  /// Reads what is waiting on `socket` into `buffer`: the number of bytes (0 at the end of the
  /// stream, -1 on an error, with `errno` set) and the pidfd that came with them, if one did (the
  /// caller closes it).
  public static func receive(from socket: Int32, into buffer: inout [UInt8]) -> (count: Int, pidfd: Int32?) {
    var descriptor: Int32 = -1
    let count = buffer.withUnsafeMutableBytes {
      multiagent_receive_with_descriptor(socket, $0.baseAddress, UInt($0.count), &descriptor)
    }
    return (count, descriptor >= 0 ? descriptor : nil)
  }
}
