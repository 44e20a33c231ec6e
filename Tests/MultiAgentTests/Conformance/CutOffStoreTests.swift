import Foundation
import StateStore
import TestSupport
import Testing

@testable import MultiAgent

/// A supervisor whose PostgreSQL link fails under it — cut for a while, or a COMMIT applied whose
/// reply never comes back — stores its agent's output and settles it exactly once; a user's
/// command on a cut link fails within its timeouts with an error that says what to do.
@Suite(.enabled(if: PostgresLab.adminURL != nil, "needs the lab's PostgreSQL server"))
struct CutOffStoreTests {
  /// The link is cut while the CLI prints its result and exits: the output commit and the
  /// settlement fail (the server hears nothing), are retried on new connections until the link
  /// heals, then land once.
  @Test func aSupervisorCutOffStoresTheOutputAndSettlesOnceTheLinkHeals() throws {
    let world = try CutOffWorld(gated: true)
    let proxy = world.proxy
    let direct = world.directURL
    let id = world.agentID
    // The link is cut once the CLI runs, the CLI let go, and the link healed after the supervisor
    // tried (and failed) to reconnect twice.
    let cutter = Thread {
      _ = CutOffWorld.waitUntil { (try? CutOffWorld.status(of: id, at: direct)) == "running" }
      proxy.cut()
      try? world.openGate()
      _ = CutOffWorld.waitUntil { proxy.connectionsWhileCut >= 2 }
      proxy.heal()
    }
    cutter.start()
    let status = try world.supervise()
    #expect(status == .completed)
    #expect(proxy.connectionsWhileCut >= 2)
    let row = try world.row()
    #expect(row.status == "completed")
    #expect(row.result == CutOffWorld.marker)
    #expect(row.offset == world.logSize)
    #expect(try world.statusChanges() == ["running", "completed"])
    let lines = world.logger.lines.withLock { $0 }
    #expect(lines.contains { $0.contains("retrying") })
  }

  /// The COMMITs of the launch, of the output (with the result) and of the settlement all reach the
  /// server and lose their replies: each is retried on a new connection, finds itself applied,
  /// and changes nothing more — one `running` event, one result, one offset, one `completed` event.
  @Test func commitsWhoseRepliesWereLostAreRetriedAndApplyOnce() throws {
    let world = try CutOffWorld(gated: false)
    world.proxy.loseCommitReply(afterSending: "started (pid")
    world.proxy.loseCommitReply(afterSending: CutOffWorld.marker)
    world.proxy.loseCommitReply(afterSending: "completed")
    let status = try world.supervise()
    #expect(status == .completed)
    #expect(world.proxy.lostReplies == 3)
    #expect(world.proxy.pendingRules == 0)
    let row = try world.row()
    #expect(row.status == "completed")
    #expect(row.result == CutOffWorld.marker)
    #expect(row.offset == world.logSize)
    #expect(try world.statusChanges() == ["running", "completed"])
    // The output's retry found it applied by its offsets.
    let lines = world.logger.lines.withLock { $0 }
    #expect(lines.contains { $0.contains("was stored already (a retried commit)") })
  }

  /// A user's command on a link cut after it connected fails within the store's timeouts (not the
  /// 40 s and more of a write left to TCP), and so does the next one, at connecting; the error names
  /// the store without its password and says what to do.
  @Test func aUserCommandOnACutLinkFailsWithinItsTimeouts() throws {
    let world = try CutOffWorld(gated: false)
    let password = try #require(URLComponents(string: world.directURL)?.password)
    let supervision = Supervision.detached(executable: "/bin/true", arguments: [])
    let manager = try AgentManager(home: world.home, supervision: supervision)
    #expect(try manager.list().map(\.id) == [world.agentID])
    world.proxy.cut()
    let clock = ContinuousClock()
    let started = clock.now
    func saysWhatToDo(_ error: any Error) -> Bool {
      let text = "\(error)"
      return (error as? AgentError)?.code == .store && text.contains("postgres://multiagent:***@127.0.0.1:")
        && !text.contains(password) && text.contains("try again")
    }
    do {
      _ = try manager.list()
      Issue.record("listed through a cut link")
    } catch { #expect(saysWhatToDo(error), "\(error)") }
    #expect(clock.now - started < .seconds(60))
    // The next command connects anew, and fails at connecting.
    let again = clock.now
    do {
      _ = try AgentManager(home: world.home, supervision: supervision)
      Issue.record("connected through a cut link")
    } catch { #expect(saysWhatToDo(error), "\(error)") }
    #expect(clock.now - again < .seconds(60))
  }
}

extension CutOffWorld {
  /// Agent `id`'s status, read directly.
  static func status(of id: String, at url: String) throws -> String? {
    try PostgresConnection.open(url: url).query("SELECT status FROM agents WHERE id = '\(id)'") {
      $0.string(0)
    }.first ?? nil
  }
}
