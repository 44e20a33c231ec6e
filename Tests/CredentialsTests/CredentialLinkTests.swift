import Foundation
import ProviderKit
import Providers
import TestSupport
import Testing

@testable import Credentials

#if canImport(Glibc)
  import Glibc
#endif

/// Account folders, credential files and lock files are never used through a symbolic link: the
/// link is refused with a clear error and what it points at keeps its mode and content.
@Suite struct CredentialLinkTests {
  let directory: TemporaryDirectory
  let elsewhere: String

  init() throws {
    directory = try TemporaryDirectory(prefix: "credential-links")
    elsewhere = directory.path("elsewhere")
    try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
    chmod(elsewhere, 0o755)
  }

  func mode(_ path: String) -> Int {
    var info = stat()
    return lstat(path, &info) == 0 ? Int(info.st_mode & 0o7777) : -1
  }

  @Test func aPrivateFolderThatIsALinkIsRefusedAndItsTargetKeepsItsMode() throws {
    let link = directory.path("accounts")
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: elsewhere)
    for path in [link, link + "/claude/a1"] {
      let error = #expect(throws: CredentialError.self) { try AccountFiles.createPrivateDirectory(path) }
      #expect(error?.message.contains("symbolic link") == true, "\(error?.message ?? "")")
      #expect(error?.message.contains(link) == true)
    }
    let copyError = #expect(throws: CredentialError.self) {
      try CredentialFileIO.makeDirectories(link + "/claude")
    }
    #expect(copyError?.message.contains("symbolic link") == true)
    #expect(mode(elsewhere) == 0o755)
    #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere).isEmpty)
  }

  @Test func aPrivateFolderIsCreatedAndNarrowed() throws {
    let path = directory.path("accounts/claude/a1")
    try AccountFiles.createPrivateDirectory(path)
    #expect(mode(path) == 0o700)
    #expect(mode(directory.path("accounts/claude")) == 0o700)
    chmod(path, 0o755)
    try AccountFiles.createPrivateDirectory(path)
    #expect(mode(path) == 0o700)
  }

  @Test func aLockFileThatIsALinkIsRefusedAndItsTargetNotCreated() throws {
    let lock = directory.path("lock")
    let target = elsewhere + "/created-through-the-link"
    try FileManager.default.createSymbolicLink(atPath: lock, withDestinationPath: target)
    let error = #expect(throws: CredentialError.self) { try FileLock.withLock(path: lock, timeout: 1) {} }
    #expect(error?.message.contains("symbolic link") == true, "\(error?.message ?? "")")
    #expect(!FileManager.default.fileExists(atPath: target))
  }

  @Test func aCredentialFileThatIsALinkIsNotRefreshedThroughIt() throws {
    let claude = try #require(try BuiltinProviders.definitions().first { $0.name == "claude" })
    let config = directory.path("config")
    try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
    let target = elsewhere + "/credentials.json"
    let expired = #"{"claudeAiOauth":{"accessToken":"old","refreshToken":"r","expiresAt":1000}}"#
    try expired.write(toFile: target, atomically: true, encoding: .utf8)
    chmod(target, 0o644)
    try FileManager.default.createSymbolicLink(
      atPath: config + "/.credentials.json", withDestinationPath: target)

    let refresher = CredentialRefresher(requestTimeout: 1, environment: [:])
    let error = #expect(throws: CredentialError.self) {
      try refresher.ensureFresh(
        configDirectory: config, provider: claude, now: Date(), refreshURLOverride: "http://127.0.0.1:9/token"
      )
    }
    #expect(error?.message.contains("symbolic link") == true, "\(error?.message ?? "")")
    #expect(try String(contentsOfFile: target, encoding: .utf8) == expired)
    #expect(mode(target) == 0o644)
  }
}
