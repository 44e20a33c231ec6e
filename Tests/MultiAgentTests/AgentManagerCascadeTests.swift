import Foundation
import MultiAgent
import TestSupport
import Testing

/// The library's stop and delete act on the whole family, as the CLI's do.
@Suite struct AgentManagerCascadeTests {
  let directory: TemporaryDirectory
  let manager: AgentManager

  init() throws {
    directory = try TemporaryDirectory(prefix: "cascade")
    manager = try AgentManager(home: StateHome(path: directory.path("home")), supervision: .inProcess)
    for (id, parent) in [("p", nil), ("c", "p"), ("g", "c")] as [(String, String?)] {
      _ = try manager.store.create(
        AgentRecord(id: id, name: "agent-\(id)", provider: "claude", parentID: parent, status: .running))
    }
  }

  @Test func stoppingAParentStopsItsDescendants() async throws {
    let parent = try await manager.stop("agent-p", grace: .milliseconds(100))
    #expect(parent.status == .stopped)
    for id in ["c", "g"] {
      #expect(try manager.store.agent(id: id)?.status == .stopped)
    }
  }

  @Test func deletingAParentDeletesItsDescendants() async throws {
    try await manager.delete("agent-p")
    #expect(try manager.store.list(.all).isEmpty)
  }
}
