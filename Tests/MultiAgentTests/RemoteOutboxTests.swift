import Foundation
import Testing
import TestSupport

@testable import MultiAgent

/// The controller's outbox of answers and messages for agents on hosts (delivery itself runs
/// against real SSH hosts in `RemoteOutboxLabTests`).
@Suite struct RemoteOutboxTests {
  private func request(_ id: String, host: String, at time: Double, kind: RemoteRequest.Kind = .answer)
    -> RemoteRequest
  {
    RemoteRequest(
      id: id, host: host, agent: "a-\(id)", remoteID: "r-\(id)", kind: kind, freeText: kind == .answer,
      provider: kind == .answer ? "codex" : nil, payload: "text of \(id), with 'quotes'", createdAt: time)
  }

  @Test func keptRequestsComeBackInOrderPerHostAndPrivate() throws {
    let directory = try TemporaryDirectory()
    let outbox = RemoteOutbox(directory: directory.path("outbox"))
    #expect(outbox.pending().isEmpty && !outbox.hasPending(host: "h1"))
    let late = request("late", host: "h1", at: 2_000)
    let early = request("early", host: "H1", at: 1_000, kind: .send)
    let other = request("other", host: "h2", at: 1_500)
    for kept in [late, early, other] { try outbox.keep(kept) }
    #expect(outbox.pending(host: "h1") == [early, late], "oldest first; host names ignore case")
    #expect(outbox.pending().map(\.id) == ["early", "other", "late"])
    #expect(outbox.hasPending(host: "h2") && !outbox.hasPending(host: "h3"))

    var info = stat()
    #expect(lstat(outbox.directory, &info) == 0 && info.st_mode & 0o777 == 0o700)
    for name in try FileManager.default.contentsOfDirectory(atPath: outbox.directory) {
      #expect(lstat(outbox.directory + "/" + name, &info) == 0 && info.st_mode & 0o777 == 0o600, "\(name)")
    }

    outbox.remove(early)
    outbox.refuse(other)
    #expect(outbox.pending() == [late])
    let refused = try FileManager.default.contentsOfDirectory(atPath: outbox.directory + "/refused")
    #expect(refused.count == 1 && refused[0].hasSuffix("-other.json"), "\(refused)")
  }
}
