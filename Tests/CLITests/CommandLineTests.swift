import Foundation
import Testing
import TestSupport

/// The command framework seen from outside: version, help, usage errors, exit codes.
@Suite struct CommandLineTests {
  @Test func versionPrintsNameAndVersion() throws {
    let result = try CLISandbox().run(["--version"])
    #expect(result.exitCode == 0)
    #expect(result.stdout.hasPrefix("multiagent "))
    #expect(result.stdout.split(separator: " ").last?.first?.isNumber == true)
  }

  @Test func rootHelpShowsUsageAndCommands() throws {
    let result = try CLISandbox().run(["--help"])
    #expect(result.exitCode == 0)
    #expect(result.stdout.contains("USAGE: multiagent <subcommand>"))
    #expect(result.stdout.contains("providers"))
    #expect(result.stdout.contains("--home <dir>"))
    #expect(result.stdout.contains("-h, --help"))
  }

  @Test func providersHelpListsSubcommands() throws {
    let result = try CLISandbox().run(["providers", "--help"])
    #expect(result.exitCode == 0)
    #expect(result.stdout.contains("USAGE: multiagent providers [<subcommand>]"))
    for name in ["list (default)", "show", "check"] { #expect(result.stdout.contains(name)) }
  }

  @Test func providersShowHelpShowsArgument() throws {
    let result = try CLISandbox().run(["providers", "show", "-h"])
    #expect(result.exitCode == 0)
    #expect(result.stdout.contains("USAGE: multiagent providers show [<options>] <name>"))
    #expect(result.stdout.contains("ARGUMENTS:"))
  }

  @Test func helpCommandIsAnAliasForHelpFlag() throws {
    let sandbox = try CLISandbox()
    let viaCommand = try sandbox.run(["help", "providers", "check"])
    let viaFlag = try sandbox.run(["providers", "check", "--help"])
    #expect(viaCommand.exitCode == 0)
    #expect(viaCommand.stdout == viaFlag.stdout)
    #expect(viaCommand.stdout.contains("--timeout <seconds>"))
  }

  @Test func globalOptionsAreAcceptedAfterTheCommand() throws {
    let sandbox = try CLISandbox()
    let result = try CLIRunner.run(
      ["providers", "list", "--json", "--home", sandbox.home], environment: sandbox.environment)
    #expect(result.exitCode == 0)
    #expect(try result.jsonArray().count == builtinProviderNames.count)
  }

  @Test func unknownCommandExitsWithUsageErrorListingCommands() throws {
    let result = try CLISandbox().run(["spwan"])
    #expect(result.exitCode == 2)
    #expect(result.stderr.contains("error: unknown command \"spwan\""))
    #expect(result.stderr.contains("providers"))
    #expect(result.stderr.contains("help"))
    #expect(result.stdout.isEmpty)
  }

  @Test func unknownSubcommandSuggestsTheClosest() throws {
    let result = try CLISandbox().run(["providers", "shwo"])
    #expect(result.exitCode == 2)
    #expect(result.stderr.contains("unknown command \"shwo\""))
    #expect(result.stderr.contains("did you mean \"show\"?"))
    #expect(result.stderr.contains("list, show, check"))
  }

  @Test func unknownOptionIsAUsageError() throws {
    let result = try CLISandbox().run(["providers", "list", "--verions"])
    #expect(result.exitCode == 2)
    #expect(result.stderr.contains("unknown option \"--verions\""))
    #expect(result.stderr.contains("did you mean \"--versions\"?"))
  }

  @Test func missingArgumentIsAUsageError() throws {
    let result = try CLISandbox().run(["providers", "show"])
    #expect(result.exitCode == 2)
    #expect(result.stderr.contains("missing argument <name>"))
    #expect(result.stderr.contains("usage: multiagent providers show"))
  }

  @Test func invalidOptionValueNamesTheOption() throws {
    let result = try CLISandbox().run(["providers", "check", "--timeout", "soon"])
    #expect(result.exitCode == 2)
    #expect(result.stderr.contains("invalid value \"soon\" for --timeout"))
  }

  @Test func errorsAreAlsoJSONWithJSONFlag() throws {
    let result = try CLISandbox().run(["--json", "providers", "show", "nope"])
    #expect(result.exitCode == 2)
    #expect(result.stderr.hasPrefix("error: "))
    let error = try #require(try result.jsonObject()["error"] as? [String: Any])
    #expect(error["code"] as? String == "unknown_provider")
    #expect((error["message"] as? String)?.contains("nope") == true)
  }

  @Test func usageErrorsAreJSONToo() throws {
    let result = try CLISandbox().run(["--json", "bogus"])
    #expect(result.exitCode == 2)
    let error = try #require(try result.jsonObject()["error"] as? [String: Any])
    #expect(error["code"] as? String == "unknown_command")
  }

  @Test func readOnlyCommandsDoNotCreateTheHome() throws {
    let sandbox = try CLISandbox()
    #expect(try sandbox.run(["providers", "list"]).exitCode == 0)
    #expect(try sandbox.run(["providers", "show", "claude"]).exitCode == 0)
    #expect(!FileManager.default.fileExists(atPath: sandbox.home))
  }

  @Test func homeComesFromEnvironmentUnlessGivenOnTheCommandLine() throws {
    let sandbox = try CLISandbox()
    let brokenHome = sandbox.root.path("env-home")
    try FileManager.default.createDirectory(atPath: brokenHome, withIntermediateDirectories: true)
    try "{".write(toFile: brokenHome + "/providers.json", atomically: true, encoding: .utf8)

    let fromEnvironment = try sandbox.runWithoutHome(
      ["providers", "list"], extraEnvironment: ["MULTIAGENT_HOME": brokenHome])
    #expect(fromEnvironment.exitCode == 1)
    #expect(fromEnvironment.stderr.contains(brokenHome + "/providers.json"))

    let overridden = try sandbox.run(
      ["providers", "list"], extraEnvironment: ["MULTIAGENT_HOME": brokenHome])
    #expect(overridden.exitCode == 0)

    let defaultHome = try sandbox.runWithoutHome(["providers", "list"])
    #expect(defaultHome.exitCode == 0)
    #expect(!FileManager.default.fileExists(atPath: sandbox.userHome + "/.multiagent"))
  }
}
