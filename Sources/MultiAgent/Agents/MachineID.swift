import Foundation
import ProcessKit
import ProviderKit

/// Which machine a process runs on, as agent records name it (``AgentRecord/machine``).
///
/// Several controllers may share one store (a PostgreSQL server, or one home on a shared volume):
/// each supervises the agents it started, on its own machine, and leaves the others' alone — a pid
/// or a path means something only on the machine that recorded it.
public enum MachineID {
  /// The variable that names the machine, winning over `/etc/machine-id`: set it for each pod or
  /// container when several of them share one `/etc/machine-id` (an image that bakes it in).
  public static let environmentVariable = "MULTIAGENT_MACHINE_ID"

  /// The longest machine id kept; a longer one is cut to this many characters.
  static let maximumLength = 200

  /// The machine this process runs on: `MULTIAGENT_MACHINE_ID` when it is set (and not blank), else
  /// `/etc/machine-id`, else the host name; `unknown` when none of them can be read.
  public static func current(environment: [String: String] = ProcessEnvironment.current) -> String {
    if let named = cleaned(environment[environmentVariable]) { return named }
    if let data = FileSystem.contents(atPath: "/etc/machine-id"),
      let id = cleaned(String(decoding: data, as: UTF8.self))
    {
      return id
    }
    return cleaned(hostName()) ?? "unknown"
  }

  /// `value` without surrounding white space, cut to ``maximumLength``; nil when nothing is left.
  static func cleaned(_ value: String?) -> String? {
    // By Unicode's White_Space property (line breaks included), without Foundation's character
    // sets: every command and supervisor asks, and building those costs more than the rest.
    guard let scalars = value?.unicodeScalars,
      let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
      let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
    else { return nil }
    return String(String(scalars[first...last]).prefix(maximumLength))
  }

  /// The host name (`gethostname`), or nil when it cannot be read.
  private static func hostName() -> String? {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return nil }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}

extension AgentRecord {
  /// Whether another machine than `machine` supervises it (a record without a machine belongs to
  /// whichever machine reads it).
  public func isSupervised(elsewhereThan machine: String) -> Bool {
    self.machine.map { $0 != machine } ?? false
  }
}

extension AgentRecord {
  /// Records `identity` as its supervisor, a process of `machine`, which then supervises it.
  mutating func recordSupervisor(_ identity: ProcessIdentity?, on machine: String) {
    supervisor = identity
    if identity != nil { self.machine = machine }
  }
}

extension AgentManager {
  /// Whether `record` is supervised on another machine than this manager's: its processes and
  /// files are not here, so it is read, never checked, repaired, stopped or resumed from here.
  func isElsewhere(_ record: AgentRecord) -> Bool { record.isSupervised(elsewhereThan: machine) }

  /// Refuses to `action` (the command word: `stop`, `answer`, …) an agent supervised on another
  /// machine, naming that machine and where to run the command.
  ///
  /// - Throws: ``AgentError/Code/otherMachine``.
  func requireThisMachine(_ record: AgentRecord, to action: String) throws(AgentError) {
    guard let other = record.machine, isElsewhere(record) else { return }
    throw AgentError(
      .otherMachine,
      "\(record.name) is supervised on machine \(other), not on this one (\(machine)): its processes and "
        + "files are there; run `multiagent \(action) \(record.name)` on \(other)",
      facts: ["agent": record.name, "machine": other, "action": action])
  }

  /// Refuses to read the output log of an agent supervised on another machine when it is not here
  /// (each machine's home keeps the logs of its agents; one home on a shared volume has them all).
  ///
  /// - Throws: ``AgentError/Code/otherMachine``, naming the machine where `multiagent logs` reads it.
  public func requireLogHere(_ record: AgentRecord) throws(AgentError) {
    guard isElsewhere(record), !FileSystem.exists(paths(record).outputLog) else { return }
    try requireThisMachine(record, to: "logs")
  }
}

extension AgentManager {
  /// Makes the agents of machine `other` this manager's, then reconciles: for a machine that is gone
  /// for good (a container recreated under another host name, a retired server). Their processes
  /// are then judged here — not alive here, they are settled from their logs, or crashed when their
  /// worktree is not here either — so never take over a machine that still runs.
  ///
  /// - Returns: how many agents changed hands, and what the reconcile did.
  /// - Throws: ``AgentError/Code/invalidName`` for a blank machine or this manager's own;
  ///   ``AgentError/Code/store``.
  public func takeOver(machine other: String) throws(AgentError) -> (count: Int, report: ReconcileReport) {
    guard let other = MachineID.cleaned(other) else {
      throw AgentError(.invalidName, "name the machine whose agents to take over")
    }
    guard other != machine else {
      throw AgentError(.invalidName, "\(other) is this machine; its agents are this machine's already")
    }
    let count: Int
    do { count = try store.takeOver(machine: other, as: machine) } catch {
      throw AgentError(.store, "cannot take over the agents of \(other): \(error)", underlying: error)
    }
    return (count, reconcile())
  }
}
