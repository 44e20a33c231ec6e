import Foundation
import Testing
import TestSupport

/// The user's `<home>/providers.json`: overrides, additions and errors.
@Suite struct UserCatalogTests {
  @Test func invalidJSONFailsNamingTheFile() throws {
    let sandbox = try CLISandbox()
    let file = try sandbox.writeUserCatalog("{\"providers\": {")
    let result = try sandbox.run(["providers", "list"])
    #expect(result.exitCode == 1)
    #expect(result.stderr.hasPrefix("error: \(file)"))
    #expect(result.stderr.contains("not valid JSON"))
    #expect(result.stderr.contains("fix or remove \(file)"))
  }

  @Test func invalidFieldFailsNamingFileProviderAndField() throws {
    let sandbox = try CLISandbox()
    let file = try sandbox.writeUserCatalog(#"{"providers":{"claude":{"resume":{"style":"sideways"}}}}"#)
    let result = try sandbox.run(["providers", "show", "claude"])
    #expect(result.exitCode == 1)
    #expect(result.stderr.contains(file))
    #expect(result.stderr.contains("provider \"claude\""))
    #expect(result.stderr.contains("field \"resume.style\""))
    #expect(result.stderr.contains("sideways"))

    let json = try sandbox.run(["providers", "list", "--json"])
    #expect(json.exitCode == 1)
    let error = try #require(try json.jsonObject()["error"] as? [String: Any])
    #expect(error["code"] as? String == "invalid_catalog")
  }

  @Test func overriddenBinaryShowsInShow() throws {
    let sandbox = try CLISandbox()
    try sandbox.writeUserCatalog(#"{"providers":{"claude":{"binary":"/opt/claude-nightly/bin/claude"}}}"#)
    let result = try sandbox.run(["providers", "show", "claude"])
    #expect(result.exitCode == 0)
    #expect(result.stdout.contains("binary:             /opt/claude-nightly/bin/claude"))
    #expect(result.stdout.contains("/opt/claude-nightly/bin/claude -p --output-format stream-json"))
    // The rest of the built-in definition is kept.
    #expect(result.stdout.contains("CLAUDE_CONFIG_DIR"))
  }

  @Test func addedProviderAppearsInListAndIsLocated() throws {
    let sandbox = try CLISandbox()
    try sandbox.writeUserCatalog(
      #"{"providers":{"claude-beta":{"extends":"claude","binary":"claude-beta"}}}"#)
    let beta = try sandbox.installFakeCLI("claude-beta", script: "echo 9.0.0-beta")
    let result = try sandbox.run(["providers", "list"])
    #expect(result.exitCode == 0)
    let line = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("claude-beta ") })
    #expect(line.contains(beta))
    let rows = try sandbox.run(["providers", "list", "--json"]).jsonArray()
    #expect(rows.count == builtinProviderNames.count + 1)
    let row = try #require(rows.first { $0["name"] as? String == "claude-beta" })
    #expect(row["dialect"] as? String == "claude-stream-json")
  }
}
