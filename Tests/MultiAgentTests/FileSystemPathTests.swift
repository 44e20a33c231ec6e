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

/// `FileSystem.contents(atPath:)` reads what Foundation's reader reads, for every kind of path.
@Suite struct FileSystemContentsTests {
  @Test func readsWhatFoundationReads() throws {
    let directory = try TemporaryDirectory(prefix: "contents")
    let sizes = [0, 1, 4095, 4096, 4097, 70_000]
    for size in sizes {
      let path = directory.path("file-\(size)")
      let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
      try Data(bytes).write(to: URL(fileURLWithPath: path))
      #expect(FileSystem.contents(atPath: path) == Data(bytes))
      #expect(FileSystem.contents(atPath: path) == FileManager.default.contents(atPath: path))
    }
    try FileManager.default.createSymbolicLink(
      atPath: directory.path("link"), withDestinationPath: directory.path("file-4096"))
    #expect(FileSystem.contents(atPath: directory.path("link"))?.count == 4096)
    #expect(FileSystem.contents(atPath: directory.path("missing")) == nil)
    #expect(
      FileSystem.contents(atPath: directory.url.path)
        == FileManager.default.contents(atPath: directory.url.path))
    #expect(FileSystem.contents(atPath: "/proc/self/stat")?.isEmpty == false)
  }

  @Test func readingToTheEndStopsAtTheLimitAndGrowsPastTheHint() throws {
    let directory = try TemporaryDirectory(prefix: "read-to-end")
    let path = directory.path("big")
    let bytes = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    for (limit, hint, expected) in [
      (Int.max, 1, 100_000), (Int.max, 4096, 100_000), (70_001, 4096, 70_001), (10, 100_000, 10),
    ] {
      let descriptor = open(path, O_RDONLY)
      defer { close(descriptor) }
      let read = try #require(FileSystem.readToEnd(descriptor, limit: limit, sizeHint: hint))
      #expect(read == Array(bytes.prefix(expected)), "limit \(limit), hint \(hint)")
    }
  }
}
