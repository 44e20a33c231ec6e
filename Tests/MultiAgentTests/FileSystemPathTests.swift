import Foundation
import TestSupport
import Testing

@testable import MultiAgent

/// `FileSystem.absolute` resolves `.` and `..` by name, without following links: as Foundation's
/// standardized file URL did, which it replaced (its `Set` costs a runtime conformance lookup on
/// every spawn).
@Suite struct FileSystemPathTests {
  static let paths = [
    "/", "/a", "/a/", "/a/b/../c", "/a/./b/.", "//a//b//", "/..", "/../a", "/a/../..", "/a/b/c/../../d",
    "/a/.hidden/..x", "/a/...", "/é/ü/../ß", "relative", "rel/../other", "./x", "../up",
  ]

  @Test(arguments: paths)
  func aPathResolvesAsAStandardizedFileURLDoes(_ path: String) {
    let absolute = path.hasPrefix("/") ? path : FileSystem.currentDirectory + "/" + path
    #expect(FileSystem.absolute(path) == URL(fileURLWithPath: absolute).standardizedFileURL.path)
  }

  @Test func linksAreNotFollowed() throws {
    let directory = try TemporaryDirectory(prefix: "absolute")
    try FileManager.default.createSymbolicLink(atPath: directory.path("link"), withDestinationPath: "/tmp")
    #expect(FileSystem.absolute(directory.path("link") + "/x/..") == directory.path("link"))
  }
}
