import Foundation
import ProviderKit
import Testing
import TestSupport

/// `Link/lld-rewriting-output`, the linker Package.swift gives the `multiagent` executable: it runs
/// the `ld.lld` on `PATH` with the same arguments and then replaces the output with a copy written
/// anew (so that the page cache holds it in large folios), keeping lld's exit status and the
/// output's bytes and mode. Driven here with a stand-in `ld.lld` that writes its `-o` file.
@Suite struct ExecutableLinkTests {
  static let wrapper = RepositoryPaths.root.appending(path: "Link/lld-rewriting-output").path

  /// A folder with a stand-in `ld.lld` on `PATH`: it writes `content` to its `-o` file with mode
  /// 0751, records that file's inode in `linked-inode`, and exits `status`.
  struct World {
    let folder: TemporaryDirectory
    var output: String { folder.path("out/multiagent") }

    init(status: Int32 = 0, content: String = "linked program\n") throws {
      folder = try TemporaryDirectory(prefix: "link")
      try FileManager.default.createDirectory(
        atPath: folder.path("bin"), withIntermediateDirectories: true)
      try FileManager.default.createDirectory(
        atPath: folder.path("out"), withIntermediateDirectories: true)
      let standIn = folder.path("bin/ld.lld")
      try """
      #!/bin/sh
      out=; prev=
      for a in "$@"; do [ "$prev" = -o ] && out=$a; prev=$a; done
      printf '%s' '\(content)' > "$out"
      chmod 751 "$out"
      stat -c %i "$out" > '\(folder.path("linked-inode"))'
      printf '%s\\n' "$@" > '\(folder.path("arguments"))'
      exit \(status)
      """.write(toFile: standIn, atomically: true, encoding: .utf8)
      chmod(standIn, 0o755)
    }

    func link(_ arguments: [String]) throws -> CommandRunner.Output {
      try CommandRunner.run(
        CommandSpec(executable: ExecutableLinkTests.wrapper, arguments: arguments),
        environment: ["PATH": "\(folder.path("bin")):/usr/bin:/bin", "HOME": folder.url.path])
    }

    func inode(_ path: String) throws -> UInt64 {
      try #require(FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? UInt64)
    }
  }

  @Test func theOutputIsReplacedByACopyWithTheSameBytesAndMode() throws {
    let world = try World()
    let result = try world.link(["--eh-frame-hdr", "-o", world.output, "main.o"])
    #expect(result.exitCode == 0, "\(result.stderr)")
    #expect(result.stderr.isEmpty)
    #expect(try String(contentsOfFile: world.output, encoding: .utf8) == "linked program\n")
    let mode = try #require(
      FileManager.default.attributesOfItem(atPath: world.output)[.posixPermissions] as? Int)
    #expect(mode == 0o751)
    let linked = try String(contentsOfFile: world.folder.path("linked-inode"), encoding: .utf8)
    #expect(UInt64(linked.trimmingCharacters(in: .whitespacesAndNewlines)) != (try world.inode(world.output)))
    #expect(try FileManager.default.contentsOfDirectory(atPath: world.folder.path("out")) == ["multiagent"])
    let passed = try String(contentsOfFile: world.folder.path("arguments"), encoding: .utf8)
    #expect(passed == "--eh-frame-hdr\n-o\n\(world.output)\nmain.o\n")
  }

  @Test func aFailedLinkKeepsLldsStatusAndIsNotRewritten() throws {
    let world = try World(status: 3)
    let result = try world.link(["-o", world.output, "main.o"])
    #expect(result.exitCode == 3)
    let linked = try String(contentsOfFile: world.folder.path("linked-inode"), encoding: .utf8)
    #expect(UInt64(linked.trimmingCharacters(in: .whitespacesAndNewlines)) == (try world.inode(world.output)))
  }

  @Test func withoutAnLldOnPathItSaysSo() throws {
    let folder = try TemporaryDirectory(prefix: "link")
    let result = try CommandRunner.run(
      CommandSpec(executable: Self.wrapper, arguments: ["-o", folder.path("out")]),
      environment: ["PATH": folder.url.path, "HOME": folder.url.path])
    #expect(result.exitCode == 127)
    #expect(result.stderr.contains("no ld.lld on PATH"))
    #expect(!FileManager.default.fileExists(atPath: folder.path("out")))
  }
}

extension ExecutableLinkTests {
  @Test func theProgramsFolderIsNotGivenAsALibrarySearchPath() throws {
    let world = try World()
    let result = try world.link(["-o", world.output, "-rpath=$ORIGIN", "main.o", "-rpath=/opt/lib", "-lm"])
    #expect(result.exitCode == 0, "\(result.stderr)")
    let passed = try String(contentsOfFile: world.folder.path("arguments"), encoding: .utf8)
    #expect(passed == "-o\n\(world.output)\nmain.o\n-rpath=/opt/lib\n-lm\n")
  }
}
