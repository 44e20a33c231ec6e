import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Messages sent to an agent (`multiagent send`) that its CLI has not got yet:
/// `<home>/agents/<id>/inbox/<time>-<n>.txt`, one private file each. A message leaves the inbox
/// only once it is on its way — taken by a live CLI it was written to, or in the run plan that
/// carries it — so a crash in between loses none (at worst it is delivered again).
struct AgentInbox {
  let directory: String

  init(paths: AgentPaths) {
    directory = paths.directory + "/inbox"
  }

  /// One message waiting.
  struct Message: Equatable {
    var name: String
    var text: String

    /// The id the message is written to a live CLI with (a UUID made from its file name), by which
    /// the CLI's echo names it — also to a supervisor that adopted the CLI later.
    var id: String { AgentInbox.uuid(for: name) }
  }

  /// A version-4-shaped UUID made from `name` (two FNV-1a hashes of it, from different offset
  /// bases): the same for the same name.
  static func uuid(for name: String) -> String {
    var high: UInt64 = 0xcbf2_9ce4_8422_2325
    var low: UInt64 = 0x8422_2325_cbf2_9ce4
    for byte in name.utf8 {
      high = (high ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
      low = (low ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }
    high = (high & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000
    low = (low & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000
    func hex(_ value: UInt64, _ digits: Int) -> String {
      let text = String(value, radix: 16)
      return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
    return hex(high >> 32, 8) + "-" + hex((high >> 16) & 0xffff, 4) + "-" + hex(high & 0xffff, 4) + "-"
      + hex(low >> 48, 4) + "-" + hex(low & 0xffff_ffff_ffff, 12)
  }

  /// Keeps `text` for the agent. With `requestID` (checked by the caller: letters, digits, `.`,
  /// `_`, `-`), a message kept under that id and not yet on its way is not kept twice.
  func add(_ text: String, requestID: String? = nil) throws {
    try FileSystem.makePrivateDirectory(directory)
    let suffix = requestID.map { "-r-\($0).txt" } ?? "-\(getpid()).txt"
    if requestID != nil, names().contains(where: { $0.hasSuffix(suffix) }) { return }
    let stamp = String(UInt64(Date().timeIntervalSince1970 * 1_000_000))
    let name = String(repeating: "0", count: max(0, 20 - stamp.count)) + stamp + suffix
    try FileSystem.writeSecure(text, to: directory + "/" + name)
  }

  /// The messages waiting, oldest first.
  func pending() -> [Message] {
    // No folder is the common case: asked first, without the error Foundation would build for it.
    guard FileSystem.entryExists(directory),
      let names = try? FileManager.default.contentsOfDirectory(atPath: directory)
    else { return [] }
    return names.filter { $0.hasSuffix(".txt") }.sorted().compactMap { name in
      guard let data = FileSystem.contents(atPath: directory + "/" + name) else { return nil }
      return Message(name: name, text: String(decoding: data, as: UTF8.self))
    }
  }

  /// Whether any message waits (the folder is listed; no message is read).
  var isEmpty: Bool { names().isEmpty }

  /// The file names of the messages waiting, unsorted.
  private func names() -> [String] {
    guard FileSystem.entryExists(directory) else { return [] }
    return ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter {
      $0.hasSuffix(".txt")
    }
  }

  /// Takes `messages` out of the inbox (they are on their way).
  func remove(_ messages: [Message]) {
    for message in messages { unlink(directory + "/" + message.name) }
  }

  /// The text that hands `messages` to the model as one user turn.
  static func turn(_ messages: [String]) -> String {
    if messages.count == 1 { return "Message from the user:\n\n" + messages[0] }
    let numbered = messages.enumerated().map { "\($0.offset + 1). \($0.element)" }
    return "Messages from the user:\n\n" + numbered.joined(separator: "\n\n")
  }
}
