// UTF-8 validation and `String` creation for `JSONByteParser`.
//
// Every standard-library initializer that takes unchecked bytes validates them byte by byte unless
// the whole buffer is ASCII, which made validation the largest single cost of parsing agent output
// (long text with frequent "→", "—" or emoji). So the parser validates string contents itself —
// sixteen bytes at a time without branches for string values, one sequence at a time with
// branch-free checks for short pieces — and hands the bytes to `String(copying: UTF8Span)`, which
// trusts them. On Apple platforms before the 2025 releases that API does not exist, and the standard
// library checks them again.

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension JSONByteParser {
  /// A `String` from UTF-8 bytes already validated. `isASCII` must be true only if every byte is
  /// below 0x80.
  @inline(__always)
  func makeString(_ utf8: UnsafeBufferPointer<UInt8>, isASCII: Bool) -> String {
    if #available(macOS 26, iOS 26, tvOS 26, watchOS 26, visionOS 26, *) {
      // Safe: the bytes were validated while scanning (ASCII is valid UTF-8), and `isASCII` is exact.
      return String(copying: UTF8Span(unchecked: Span(_unsafeElements: utf8), isKnownASCII: isASCII))
    }
    // Validated already; `decoding` repairs nothing here, it only checks again.
    return String(decoding: utf8, as: UTF8.self)
  }

  /// The length of the well-formed UTF-8 sequence (two to four bytes) starting with the non-ASCII
  /// byte `start[0]`, or 0 when there is none; reads at most `available` bytes.
  @inline(__always)
  static func utf8SequenceLength(_ start: UnsafePointer<UInt8>, available: Int) -> Int {
    guard available >= 4 else { return shortUTF8SequenceLength(start, available: available) }
    // Branch-free: the lengths of neighbouring characters vary unpredictably in real text.
    let word = UInt32(littleEndian: UnsafeRawPointer(start).loadUnaligned(as: UInt32.self))
    let lead = word & 0xFF
    let second = (word &>> 8) & 0xFF
    // 2 for C2...DF, 3 for E0...EF, 4 for F0...F4; other leads fail the range check below.
    let length: UInt32 = 2 &+ (lead &>> 5 & lead &>> 6 & 1) &+ (lead &>> 4 & 0xF == 0xF ? 1 : 0)
    // The second byte's range excludes overlong forms (E0, F0), surrogates (ED) and values above
    // U+10FFFF (F4).
    let low: UInt32 = 0x80 &+ (lead == 0xE0 ? 0x20 : 0) &+ (lead == 0xF0 ? 0x10 : 0)
    let high: UInt32 = 0xBF &- (lead == 0xED ? 0x20 : 0) &- (lead == 0xF4 ? 0x30 : 0)
    // The third and fourth bytes, as far as the sequence reaches, are continuation bytes.
    let continuation = UInt32(
      truncatingIfNeeded: UInt64(0xC0C0_0000) & ((1 as UInt64) &<< UInt64(length &* 8) &- 1))
    let invalid: UInt32 =
      (lead &- 0xC2 > 0xF4 - 0xC2 ? 1 : 0) | (second &- low > high &- low ? 1 : 0)
      | (word & continuation ^ continuation & 0x8080_8080)
    return invalid == 0 ? Int(length) : 0
  }

  /// ``utf8SequenceLength(_:available:)`` near the end of the input, byte by byte.
  @inline(never)
  static func shortUTF8SequenceLength(_ start: UnsafePointer<UInt8>, available: Int) -> Int {
    let lead = start[0]
    let low: UInt8
    let high: UInt8
    let length: Int
    switch lead {
    case 0xC2...0xDF: (low, high, length) = (0x80, 0xBF, 2)
    case 0xE0: (low, high, length) = (0xA0, 0xBF, 3)
    case 0xE1...0xEC, 0xEE...0xEF: (low, high, length) = (0x80, 0xBF, 3)
    case 0xED: (low, high, length) = (0x80, 0x9F, 3)
    case 0xF0: (low, high, length) = (0x90, 0xBF, 4)
    case 0xF1...0xF3: (low, high, length) = (0x80, 0xBF, 4)
    case 0xF4: (low, high, length) = (0x80, 0x8F, 4)
    default: return 0
    }
    guard available >= length, start[1] >= low, start[1] <= high else { return 0 }
    for offset in 2..<length where start[offset] & 0xC0 != 0x80 { return 0 }
    return length
  }

  /// Whether `utf8` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
  /// above U+10FFFF, no truncated sequences). Skips ASCII eight bytes at a time.
  static func isValidUTF8(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let base = utf8.baseAddress else { return true }
    let raw = UnsafeRawPointer(base)
    let count = utf8.count
    var index = 0
    while index < count {
      if count &- index >= 8 {
        let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
        let high = word & 0x8080_8080_8080_8080
        if high == 0 {
          index &+= 8
          continue
        }
        index &+= high.trailingZeroBitCount &>> 3
      } else if base[index] < 0x80 {
        index &+= 1
        continue
      }
      let length = utf8SequenceLength(base + index, available: count &- index)
      guard length > 0 else { return false }
      index &+= length
    }
    return true
  }

  /// Whether `utf8` is well-formed UTF-8, sixteen bytes at a time without branches: each byte
  /// is checked against the three before it (loaded from overlapping offsets), and any error is
  /// accumulated until the end. Same verdict as ``isValidUTF8(_:)``.
  static func isValidUTF8Vectorized(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
    typealias Bytes = SIMD16<UInt8>
    guard let base = utf8.baseAddress, utf8.count > 0 else { return true }
    let count = utf8.count
    var error = SIMDMask<SIMD16<Int8>>(repeating: false)

    // Only vector-with-vector operations: those with a scalar operand are not vectorized.
    let x80 = Bytes(repeating: 0x80)
    let x8F = Bytes(repeating: 0x8F)
    let x90 = Bytes(repeating: 0x90)
    let x9F = Bytes(repeating: 0x9F)
    let xA0 = Bytes(repeating: 0xA0)
    let xC0 = Bytes(repeating: 0xC0)
    let xE0 = Bytes(repeating: 0xE0)
    let xED = Bytes(repeating: 0xED)
    let xF0 = Bytes(repeating: 0xF0)
    let xF4 = Bytes(repeating: 0xF4)
    let xF5 = Bytes(repeating: 0xF5)
    let xFE = Bytes(repeating: 0xFE)

    @inline(__always)
    func check(_ current: Bytes, _ back1: Bytes, _ back2: Bytes, _ back3: Bytes) {
      // A continuation byte exactly where a lead byte before it asks for one.
      let isContinuation = current & xC0 .== x80
      let required = (back1 .>= xC0) .| (back2 .>= xE0) .| (back3 .>= xF0)
      error = error .| (isContinuation .^ required)
      // Leads that are never valid: C0, C1 (overlong), F5 and above.
      error = error .| (current .>= xF5) .| (current & xFE .== xC0)
      // Second-byte ranges: E0 A0…BF (overlong), ED 80…9F (surrogates), F0 90…BF (overlong),
      // F4 80…8F (above U+10FFFF).
      error = error .| ((back1 .== xE0) .& (current .< xA0))
      error = error .| ((back1 .== xED) .& (current .> x9F))
      error = error .| ((back1 .== xF0) .& (current .< x90))
      error = error .| ((back1 .== xF4) .& (current .> x8F))
    }

    @inline(__always)
    func load(_ pointer: UnsafeRawPointer) -> Bytes {
      pointer.loadUnaligned(as: Bytes.self)
    }

    // The first block and the last partial one are checked in a zero-padded copy (zero is ASCII,
    // which no lead byte accepts as a continuation); the others in place.
    return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 48) { padded in
      let scratch = UnsafeMutableRawPointer(padded.baseAddress.unsafelyUnwrapped)
      scratch.initializeMemory(as: UInt8.self, repeating: 0, count: 48)
      let first = Swift.min(count, 16)
      (scratch + 16).copyMemory(from: base, byteCount: first)
      check(load(scratch + 16), load(scratch + 15), load(scratch + 14), load(scratch + 13))
      let raw = UnsafeRawPointer(base)
      var index = 16
      while count &- index >= 16 {
        check(load(raw + index), load(raw + (index &- 1)), load(raw + (index &- 2)), load(raw + (index &- 3)))
        index &+= 16
      }
      if index < count {
        scratch.initializeMemory(as: UInt8.self, repeating: 0, count: 48)
        (scratch + 13).copyMemory(from: raw + (index &- 3), byteCount: 3 &+ count &- index)
        check(load(scratch + 16), load(scratch + 15), load(scratch + 14), load(scratch + 13))
      } else if count >= 16 {
        // A sequence cut off by the end: its lead is among the last three bytes.
        let last = raw + count
        let tail =
          (count >= 1 && last.load(fromByteOffset: -1, as: UInt8.self) >= 0xC0)
          || (count >= 2 && last.load(fromByteOffset: -2, as: UInt8.self) >= 0xE0)
          || (count >= 3 && last.load(fromByteOffset: -3, as: UInt8.self) >= 0xF0)
        if tail { return false }
      }
      let lanes = unsafeBitCast(error, to: SIMD2<UInt64>.self)
      return lanes[0] | lanes[1] == 0
    }
  }

  /// Whether the raw (undecoded) runs between the escapes of the string contents `range` of
  /// `parser`'s input are each well-formed UTF-8.
  static func isValidUTF8(runsOf range: Range<Int>, in parser: borrowing JSONByteParser) -> Bool {
    var runStart = range.lowerBound
    while true {
      let rest = UnsafeRawPointer(parser.bytes + runStart)
      let runEnd =
        memchr(rest, Int32(ASCII.backslash), range.upperBound &- runStart).map {
          runStart &+ rest.distance(to: UnsafeRawPointer($0))
        } ?? range.upperBound
      let run = UnsafeBufferPointer(start: parser.bytes + runStart, count: runEnd &- runStart)
      guard run.count >= 32 ? isValidUTF8Vectorized(run) : isValidUTF8(run) else { return false }
      guard runEnd < range.upperBound else { return true }
      // Past the escape (already checked): `\u` and its four hex digits, or one character.
      runStart = runEnd &+ (parser.bytes[runEnd &+ 1] == 0x75 ? 6 : 2)
    }
  }

}
