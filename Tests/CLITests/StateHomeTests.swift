import Foundation
import MultiAgent
import Testing
import TestSupport

/// `StateHome`: where the home is and how it is created.
@Suite struct StateHomeTests {
  @Test func commandLineWinsOverEnvironmentWhichWinsOverUserHome() throws {
    let environment = ["HOME": "/home/ada", "MULTIAGENT_HOME": "/srv/agents"]
    #expect(try StateHome.resolve(override: "/tmp/h", environment: environment).path == "/tmp/h")
    #expect(try StateHome.resolve(override: nil, environment: environment).path == "/srv/agents")
    #expect(
      try StateHome.resolve(override: nil, environment: ["HOME": "/home/ada"]).path == "/home/ada/.multiagent"
    )
    #expect(
      try StateHome.resolve(override: "", environment: ["HOME": "/home/ada", "MULTIAGENT_HOME": ""]).path
        == "/home/ada/.multiagent")
  }

  @Test func relativeAndTildePathsBecomeAbsolute() throws {
    #expect(StateHome(path: "~/state", environment: ["HOME": "/home/ada"]).path == "/home/ada/state")
    let relative = StateHome(path: "work/../state", environment: [:]).path
    #expect(relative == FileManager.default.currentDirectoryPath + "/state")
  }

  @Test func pathsLiveInsideTheHome() {
    let home = StateHome(path: "/var/ma")
    #expect(home.providersFile == "/var/ma/providers.json")
    #expect(home.database == "/var/ma/state.db")
    #expect(home.agentsDirectory == "/var/ma/agents")
    #expect(home.accountsDirectory == "/var/ma/accounts")
    #expect(home.worktreesDirectory == "/var/ma/worktrees")
  }

  @Test func createMakesPrivateFoldersAndIsIdempotent() throws {
    let scratch = try TemporaryDirectory(prefix: "home")
    let home = StateHome(path: scratch.path("nested/home"))
    #expect(!home.exists)
    try home.create()
    try home.create()
    #expect(home.exists)
    for path in [home.path, home.agentsDirectory, home.accountsDirectory, home.worktreesDirectory] {
      let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
      #expect(mode == 0o700, "\(path)")
    }
  }

  @Test func createRefusesAFileInTheWay() throws {
    let scratch = try TemporaryDirectory(prefix: "home")
    try "x".write(toFile: scratch.path("home"), atomically: true, encoding: .utf8)
    #expect(throws: StateHomeError.self) { try StateHome(path: scratch.path("home")).create() }
  }
}
