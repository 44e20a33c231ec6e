import Foundation
import StateStore
import TestSupport
import Testing

@testable import MultiAgent

#if canImport(Glibc)
  import Glibc
#endif

/// The next spawn's spare folder is made inside an existing home only, never through a link.
@Suite struct SpareReplenishTests {
  @Test func aSpareIsMadeInAHomeThatIsThere() throws {
    let directory = try TemporaryDirectory(prefix: "spare")
    let home = StateHome(path: directory.path("home"))
    try FileManager.default.createDirectory(atPath: home.path, withIntermediateDirectories: false)
    SpareDirectories.replenish(home: home)
    #expect(PrivatePath.kind(of: home.path + "/spare/ready") == .directory)
    #expect(PrivatePath.kind(of: home.path + "/spare/ready/token") == .file)
  }

  @Test func aHomeRemovedMeanwhileIsNotMadeAgain() throws {
    // A supervisor's after-work runs after its agent settled; by then the user (or a test) may have
    // removed the whole home. Making the spare must not bring it back.
    let directory = try TemporaryDirectory(prefix: "spare")
    let home = StateHome(path: directory.path("gone/home"))
    SpareDirectories.replenish(home: home)
    #expect(PrivatePath.kind(of: home.path) == .missing)
    #expect(PrivatePath.kind(of: directory.path("gone")) == .missing)
  }

  @Test func aLinkInTheSparesPlaceIsNotFollowed() throws {
    let directory = try TemporaryDirectory(prefix: "spare")
    let home = StateHome(path: directory.path("home"))
    let outside = directory.path("outside")
    try FileManager.default.createDirectory(atPath: home.path, withIntermediateDirectories: false)
    try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: false)
    try FileManager.default.createSymbolicLink(atPath: home.path + "/spare", withDestinationPath: outside)
    SpareDirectories.replenish(home: home)
    #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
  }
}
