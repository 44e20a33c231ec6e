import Foundation
import TestSupport
import Testing

/// A child's token acts on nothing but its own children, on every command the CLI has: the table
/// below says what each command does with it, and a command missing from the table (say, one added
/// later without an authority check) fails ``theTableCoversEveryCommandOfTheHelp()``.
@Suite struct SecuritySuiteAuthorityTests {
  /// What a child's token gets.
  enum Expectation: Sendable {
    /// Exit 77, `forbidden`.
    case forbidden
    /// Exit 0, and no agent but its own children (it has none) in the output.
    case revealsNothing
    /// Exactly what the user gets (the command reads nothing of any agent or account).
    case sameAsUser
  }

  struct Case: Sendable {
    var path: String
    var arguments: [String]
    var expectation: Expectation
    /// Whether `--json` may go first (the hidden supervisor takes only its own words).
    var json = true
  }

  /// The names and ids the child `kid-a` aims at.
  struct Targets {
    var repository: String
    var home: String
    var siblingID: String
    /// Its sibling (by name and id), its parent, and an agent of the user's waiting for an answer.
    var others: [String] { ["kid-b", siblingID, "lead", "stranger"] }
    /// The others and itself: only `show` of itself is allowed.
    var everyone: [String] { others + ["kid-a"] }
  }

  /// Every command path, with what a child may do with it.
  static func table(_ targets: Targets) -> [Case] {
    var cases: [Case] = []
    func add(_ path: String, _ arguments: [String], _ expectation: Expectation = .forbidden) {
      cases.append(Case(path: path, arguments: arguments, expectation: expectation))
    }
    for target in targets.others {
      add(
        "spawn",
        [
          "spawn", "--provider", "fake", "--no-worktree", "--cwd", targets.repository, "--parent", target,
          "--name", "foster", "@gate foster",
        ])
      add("show", ["show", target])
    }
    for target in targets.everyone {
      for command in ["tree", "logs", "result", "questions", "stop", "delete", "dismiss"] {
        add(command, [command, target])
      }
      add("answer", ["answer", target, "--answer", "q1=red"])
      add("send", ["send", target, "planted instructions"])
      add("answer", ["answer", target, "--request-id", "planted", "--answer", "q1=red"])
      add("send", ["send", target, "--request-id", "planted", "planted instructions"])
      add("wait", ["wait", target, "--timeout", "1"])
      add("events", ["events", "--agent", target])
    }
    add("wait", ["wait", "kid-b", "lead", "--any", "--timeout", "1"])
    add("list", ["list", "--all"], .revealsNothing)
    add("list", ["list", "--all", "--tree"], .revealsNothing)
    add("tree", ["tree", "--all"], .revealsNothing)
    add("events", ["events"], .revealsNothing)
    add("reconcile", ["reconcile"])
    add("reconcile", ["reconcile", "--take-over", "machine-gone"])
    add("doctor", ["doctor", "--timeout", "1"])
    add("cleanup", ["cleanup"])
    add("cleanup", ["cleanup", "--dry-run"])

    for arguments in [
      ["accounts"], ["accounts", "list"], ["accounts", "show", "work"], ["accounts", "remove", "work"],
      ["accounts", "remove", "work", "--force"], ["accounts", "enable", "work"],
      ["accounts", "disable", "work"], ["accounts", "reset", "work"],
      ["accounts", "add", "fake", "--label", "planted", "--api-key-stdin"],
    ] {
      add(arguments.prefix(2).joined(separator: " "), arguments)
    }
    for arguments in [
      ["hosts"], ["hosts", "list"], ["hosts", "show", "box"], ["hosts", "remove", "box"],
      ["hosts", "install", "box"], ["hosts", "add", "planted", "--ssh", "me@127.0.0.1"],
      ["hosts", "remove", "box", "--force"], ["hosts", "sync", "box"],
    ] {
      add(arguments.prefix(2).joined(separator: " "), arguments)
    }
    // Lending this machine's accounts to a host is the user's alone too.
    for arguments in [
      ["spawn", "--host", "box", "--provider", "fake", "--account", "work", "hi"],
      ["spawn", "--host", "box", "--provider", "fake", "hi"],
    ] {
      add("spawn", arguments)
    }
    for arguments in [
      ["providers"], ["providers", "list"], ["providers", "show", "fake"], ["providers", "check", "claude"],
    ] {
      add(arguments.prefix(2).joined(separator: " "), arguments, .sameAsUser)
    }
    add("completions", ["completions", "bash"], .sameAsUser)
    add("man", ["man"], .sameAsUser)
    // Only its own children, and no accounts (watch has no --json: it is a usage error there).
    cases.append(
      Case(path: "watch", arguments: ["watch", "--once", "--all"], expectation: .revealsNothing, json: false))
    // Another store (`--store`, the global option) does not know the child: its token is refused
    // there, never taken as the user's authority.
    if let store = ProcessInfo.processInfo.environment["MULTIAGENT_TEST_POSTGRES_URL"], !store.isEmpty {
      add("list", ["--store", store, "list", "--all"])
      add("show", ["--store", store, "show", "kid-b"])
    }
    add("help", ["help"], .sameAsUser)
    add("help", ["help", "accounts", "add"], .sameAsUser)
    // Not in the help: the detached supervisor, which only multiagent itself may start.
    cases.append(
      Case(
        path: "__supervise", arguments: ["__supervise", "--home", targets.home, targets.siblingID],
        expectation: .forbidden, json: false))
    // Not in the help either: a host's answer to its controller's spool request, the user's alone.
    add("__spool", ["__spool"])
    return cases
  }

  @Test func theTableCoversEveryCommandOfTheHelp() throws {
    let sandbox = try CLISandbox()
    let commands = try CommandTree.paths(in: sandbox)
    #expect(commands.count >= 25, "the help lists too few commands: \(commands)")
    for known in ["spawn", "cleanup", "accounts add", "accounts reset", "providers check", "help"] {
      #expect(commands.contains(known), "\(known) is not in the help: \(commands)")
    }
    let table = Self.table(Targets(repository: "/r", home: "/h", siblingID: "0123456789abcdef"))
    let covered = Set(table.map(\.path))
    for command in commands {
      #expect(covered.contains(command), "`multiagent \(command)` has no row in the authority table")
    }
    // And no row names a command that is gone.
    #expect(covered.subtracting(commands) == ["__supervise", "__spool"])
  }

  @Test func aChildsTokenActsOnNothingButItsChildrenOnEveryCommand() throws {
    let world = try SecurityWorld()
    let family = world.family
    _ = try world.sandbox.addAccount(["fake", "--label", "work", "--api-key-stdin"], input: "the-key")
    _ = try world.spawnBare("fake", "@ask strangers", name: "stranger")
    #expect(try world.run(["wait", "stranger", "--timeout", "30"]).exitCode == 3)
    let lead = try family.spawnParent("lead", children: ["kid-a", "kid-b"])
    let kids = try family.waitForChildren(["kid-a", "kid-b"])
    let kidA = try #require(kids["kid-a"])
    let targets = Targets(
      repository: world.world.repository, home: world.home, siblingID: try #require(kids["kid-b"]))
    let agentsBefore = try Self.agents(world)
    let accountsBefore = try world.run(["--json", "accounts", "list"]).stdout
    let leaks = ["kid-a", "kid-b", "lead", "stranger", kidA, targets.siblingID]

    for row in Self.table(targets) {
      let arguments = (row.json ? ["--json"] : []) + row.arguments
      let result = try family.run(asAgent: kidA, arguments)
      let label = "kid-a: \(arguments.joined(separator: " ")) → \(result.exitCode) \(result.stderr)"
      switch row.expectation {
      case .forbidden:
        #expect(result.exitCode == 77, "\(label)")
        if row.json {
          #expect(
            (try? result.jsonObject()["error"] as? [String: Any])?["code"] as? String == "forbidden",
            "\(label)")
        }
      case .revealsNothing:
        #expect(result.exitCode == 0, "\(label)")
        #expect(!leaks.contains { result.stdout.contains($0) }, "\(label): \(result.stdout)")
      case .sameAsUser:
        let user = try world.run(arguments)
        #expect(result.exitCode == user.exitCode && result.stdout == user.stdout, "\(label)")
      }
    }

    // Nothing changed: no agent made, stopped, deleted, dismissed or answered; the accounts as they were.
    let agentsAfter = try Self.agents(world)
    #expect(agentsAfter == agentsBefore, "before: \(agentsBefore)")
    #expect(try world.run(["--json", "accounts", "list"]).stdout == accountsBefore)
    #expect(!(try world.run(["--json", "hosts", "list"]).stdout.contains("planted")))
    #expect(try world.run(["questions", "stranger"]).stdout.contains("q1: Which color?"))
    try world.world.openGate()
    #expect(try world.run(["wait", "kid-a", "kid-b", "--all", "--timeout", "60"]).exitCode == 0)
    try family.openParentGate()
    #expect(try world.run(["wait", lead, "--timeout", "60"]).exitCode == 0)
  }

  /// Every agent as `name status dismissed_at parent_id` and its number of pending questions, sorted.
  static func agents(_ world: SecurityWorld) throws -> [String] {
    try world.world.records().map { record in
      let fields = ["name", "status", "dismissed_at", "parent_id"].map { key in
        record[key].map { "\($0)" } ?? "-"
      }
      return (fields + ["\((record["pending_questions"] as? [Any])?.count ?? -1)"]).joined(separator: " ")
    }.sorted()
  }
}
