import Foundation
import ProcessKit
import StateStore
import Synchronization
import TestSupport
import Testing

@testable import MultiAgent

/// A supervisor whose PostgreSQL link fails under it — cut for a while, or a COMMIT applied whose
/// reply never comes back — stores its agent's output and settles it exactly once; a user's
/// command on a cut link fails within its timeouts with an error that says what to do.
@Suite(.enabled(if: PostgresLab.adminURL != nil, "needs the lab's PostgreSQL server"))
struct CutOffStoreTests {
  /// The link is cut twice. While the CLI runs and prints its result: the output commit fails (the
  /// server hears nothing) and is retried on new connections while the CLI runs, landing once the
  /// link heals. While the CLI exits: the settlement fails the same way and is retried until the
  /// link heals again. Each lands once.
  @Test func aSupervisorCutOffStoresTheOutputAndSettlesOnceTheLinkHeals() throws {
    let world = try CutOffWorld(gated: true)
    let proxy = world.proxy
    let (direct, id) = (world.directURL, world.agentID)
    let landedWhileRunning = Mutex(false)
    let driver = Thread {
      _ = CutOffWorld.waitUntil { (try? CutOffWorld.row(of: id, at: direct))?.status == "running" }
      proxy.cut()
      try? world.openGate()
      // Healed after the supervisor tried (and failed) to reconnect twice.
      _ = CutOffWorld.waitUntil { proxy.connectionsWhileCut >= 2 }
      proxy.heal()
      let landed = CutOffWorld.waitUntil {
        let row = try? CutOffWorld.row(of: id, at: direct)
        return row?.result == CutOffWorld.marker && row?.status == "running"
      }
      landedWhileRunning.withLock { $0 = landed }
      proxy.cut()
      try? world.release()
      _ = CutOffWorld.waitUntil { proxy.connectionsWhileCut >= 4 }
      proxy.heal()
    }
    driver.start()
    let status = try world.supervise()
    #expect(status == .completed)
    #expect(proxy.connectionsWhileCut >= 4)
    #expect(landedWhileRunning.withLock { $0 })
    let row = try world.row()
    #expect(row.status == "completed")
    #expect(row.result == CutOffWorld.marker)
    #expect(row.offset == world.logSize)
    #expect(try world.statusChanges() == ["running", "completed"])
    let lines = world.logger.lines.withLock { $0 }
    #expect(
      lines.contains { $0.contains("cannot store the agent's output yet; retrying while the CLI runs") })
    #expect(lines.contains { $0.contains("cannot write the agent's state yet; retrying every second") })
  }

  /// The COMMITs of the launch, of the output (with the result) and of the settlement all reach the
  /// server and lose their replies: each is retried on a new connection, finds itself applied,
  /// and changes nothing more — one `running` event, one result, one offset, one `completed` event.
  @Test func aSupervisorWhoseStoreIsCutBeforeItsFirstReadWaitsAndStartsTheAgent() throws {
    let world = try CutOffWorld(gated: false)
    let proxy = world.proxy
    let healer = Thread {
      // Healed after the supervisor's reads failed to reconnect twice.
      _ = CutOffWorld.waitUntil { proxy.connectionsWhileCut >= 2 }
      proxy.heal()
    }
    let status = try world.supervise {
      proxy.cut()
      healer.start()
    }
    #expect(status == .completed)
    #expect(proxy.connectionsWhileCut >= 2)
    let row = try world.row()
    #expect(row.status == "completed" && row.result == CutOffWorld.marker)
    #expect(try world.statusChanges() == ["running", "completed"])
    let lines = world.logger.lines.withLock { $0 }
    #expect(lines.contains { $0.contains("cannot read the agent's state yet; retrying every second") })
  }

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

  /// The supervisor's first write, recording itself, reaches the server and loses its reply: it is
  /// retried on a new connection, finds itself recorded and writes nothing more, and supervision
  /// goes on — rather than end and leave the agent to reconcile.
  @Test func theSupervisorsRecordWhoseReplyWasLostIsRetriedAndAppliesOnce() throws {
    let world = try CutOffWorld(gated: false)
    let me = try ProcessInspector().currentIdentity()
    // Its start time is sent by the writes that record this process, the first of them this one.
    world.proxy.loseCommitReply(afterSending: String(Int64(bitPattern: me.startTime)))
    let status = try world.supervise()
    #expect(status == .completed)
    #expect(world.proxy.lostReplies == 1)
    #expect(world.proxy.pendingRules == 0)
    #expect(try world.statusChanges() == ["running", "completed"])
    let supervisor = try PostgresConnection.open(url: world.directURL).query(
      "SELECT supervisor_pid FROM agents WHERE id = '\(world.agentID)'"
    ) { $0.int64(0) }.first
    #expect(supervisor == Int64(me.pid))
    let lines = world.logger.lines.withLock { $0 }
    #expect(lines.contains { $0.contains("cannot write the agent's state yet; retrying every second") })
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
  /// Agent `id`'s row, read directly: status, parse offset, result.
  static func row(of id: String, at url: String) throws -> (status: String, offset: Int64, result: String?)? {
    try PostgresConnection.open(url: url).query(
      "SELECT status, parse_offset, result FROM agents WHERE id = '\(id)'"
    ) { ($0.string(0) ?? "", $0.int64(1) ?? -1, $0.string(2)) }.first
  }
}
