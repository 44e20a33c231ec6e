import Foundation

/// What a SQLite write-ahead log file holds: its header's salts and how many frames after it carry
/// them (the frames a process opening the database reads back).
public struct WriteAheadLog: Sendable {
  /// The two salts of the header; a frame with others is left over from before a restart.
  public var salts: [UInt32]
  /// The frames after the header that carry its salts.
  public var validFrames: Int
  /// The file's size in bytes.
  public var fileSize: Int

  /// Reads the log file at `path`.
  public init(path: String) throws {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    func word(_ offset: Int) -> UInt32 {
      bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }
    fileSize = bytes.count
    guard bytes.count >= 32 else {
      (salts, validFrames) = ([], 0)
      return
    }
    let pageSize = Int(word(8))
    salts = [word(16), word(20)]
    var frames = 0
    var offset = 32
    while offset + 24 + pageSize <= bytes.count, [word(offset + 8), word(offset + 12)] == salts {
      frames += 1
      offset += 24 + pageSize
    }
    validFrames = frames
  }
}
