// Manually managed buffers the JSON parser uses for its work in progress.
//
// They exist for speed: finished arrays and objects are *moved* (not copied and retained) out of
// the value stack into exact-capacity Swift arrays, and escaped strings are decoded into one reused
// byte buffer. Both types are noncopyable and free their memory in `deinit`, so an error thrown
// half-way through a document leaks nothing.

/// A growable stack of `Element` whose top `n` elements can be moved out into an `Array`.
struct JSONParserStack<Element>: ~Copyable {
  /// The storage, or `nil` until the first push.
  private var storage: UnsafeMutablePointer<Element>?
  /// How many elements are initialized, from `storage[0]` up.
  private(set) var count = 0
  private var capacity = 0
  private let initialCapacity: Int

  init(initialCapacity: Int) {
    self.initialCapacity = initialCapacity
  }

  deinit {
    if let storage {
      storage.deinitialize(count: count)
      storage.deallocate()
    }
  }

  /// Pushes `element` on top of the stack.
  @inline(__always)
  mutating func push(_ element: consuming Element) {
    if count == capacity { grow() }
    (storage.unsafelyUnwrapped + count).initialize(to: element)
    count &+= 1
  }

  /// The top element. The stack must not be empty.
  @inline(__always)
  var top: Element {
    storage.unsafelyUnwrapped[count &- 1]
  }

  /// Removes the top element. The stack must not be empty.
  @inline(__always)
  mutating func removeLast() {
    count &-= 1
    (storage.unsafelyUnwrapped + count).deinitialize(count: 1)
  }

  /// Moves the elements from index `start` to the top into a new array, leaving `start` elements.
  @inline(__always)
  mutating func popArray(from start: Int) -> [Element] {
    let moved = count &- start
    // A filtered object may have had no member stored at all, before any push.
    guard moved > 0 else { return [] }
    let source = storage.unsafelyUnwrapped + start
    count = start
    // Array literals allocate through an inlined path with cached type metadata; every other way
    // to make an array of a given size calls a generic standard-library function that looks the
    // storage class's metadata up in a global table each time — measurably slower for the small
    // arrays and objects that make up agent events.
    switch moved {
    case 0: return []
    case 1: return [source.move()]
    case 2: return [source.move(), (source + 1).move()]
    case 3: return [source.move(), (source + 1).move(), (source + 2).move()]
    case 4: return [source.move(), (source + 1).move(), (source + 2).move(), (source + 3).move()]
    case 5:
      return [
        source.move(), (source + 1).move(), (source + 2).move(), (source + 3).move(),
        (source + 4).move(),
      ]
    case 6:
      return [
        source.move(), (source + 1).move(), (source + 2).move(), (source + 3).move(),
        (source + 4).move(), (source + 5).move(),
      ]
    case 7:
      return [
        source.move(), (source + 1).move(), (source + 2).move(), (source + 3).move(),
        (source + 4).move(), (source + 5).move(), (source + 6).move(),
      ]
    case 8:
      return [
        source.move(), (source + 1).move(), (source + 2).move(), (source + 3).move(),
        (source + 4).move(), (source + 5).move(), (source + 6).move(), (source + 7).move(),
      ]
    default:
      break
    }
    return [Element](unsafeUninitializedCapacity: moved) { buffer, initialized in
      buffer.baseAddress.unsafelyUnwrapped.moveInitialize(from: source, count: moved)
      initialized = moved
    }
  }

  @inline(never)
  private mutating func grow() {
    let newCapacity = Swift.max(initialCapacity, capacity &* 2)
    let newStorage = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
    if let storage {
      newStorage.moveInitialize(from: storage, count: count)
      storage.deallocate()
    }
    storage = newStorage
    capacity = newCapacity
  }
}

/// A growable byte buffer, reused for every string that contains escapes.
struct JSONParserByteBuffer: ~Copyable {
  private var storage: UnsafeMutablePointer<UInt8>?
  /// The number of bytes written.
  var count = 0
  /// The number of bytes that fit without growing.
  private(set) var capacity = 0

  init() {}

  deinit {
    storage?.deallocate()
  }

  /// The bytes written so far. Valid until the next mutation.
  var bytes: UnsafeBufferPointer<UInt8> {
    UnsafeBufferPointer(start: storage, count: count)
  }

  /// The start of the storage. Valid until the next growth; only after ``reserve(_:)``.
  var base: UnsafeMutablePointer<UInt8> { storage.unsafelyUnwrapped }

  /// Makes room for at least `extra` more bytes after ``count``.
  @inline(__always)
  mutating func reserve(_ extra: Int) {
    if capacity &- count < extra { grow(toFit: extra) }
  }

  /// Appends `length` bytes starting at `source`.
  @inline(__always)
  mutating func append(_ source: UnsafePointer<UInt8>, count length: Int) {
    guard length > 0 else { return }
    if capacity &- count < length { grow(toFit: length) }
    (storage.unsafelyUnwrapped + count).initialize(from: source, count: length)
    count &+= length
  }

  /// Appends one byte.
  @inline(__always)
  mutating func append(_ byte: UInt8) {
    if count == capacity { grow(toFit: 1) }
    storage.unsafelyUnwrapped[count] = byte
    count &+= 1
  }

  /// Appends the UTF-8 encoding of the Unicode scalar value `scalar` (at most 0x10FFFF, not a
  /// surrogate).
  @inline(__always)
  mutating func appendUTF8(_ scalar: UInt32) {
    if capacity &- count < 4 { grow(toFit: 4) }
    let out = storage.unsafelyUnwrapped + count
    if scalar < 0x80 {
      out[0] = UInt8(truncatingIfNeeded: scalar)
      count &+= 1
    } else if scalar < 0x800 {
      out[0] = UInt8(truncatingIfNeeded: 0xC0 | (scalar >> 6))
      out[1] = UInt8(truncatingIfNeeded: 0x80 | (scalar & 0x3F))
      count &+= 2
    } else if scalar < 0x10000 {
      out[0] = UInt8(truncatingIfNeeded: 0xE0 | (scalar >> 12))
      out[1] = UInt8(truncatingIfNeeded: 0x80 | ((scalar >> 6) & 0x3F))
      out[2] = UInt8(truncatingIfNeeded: 0x80 | (scalar & 0x3F))
      count &+= 3
    } else {
      out[0] = UInt8(truncatingIfNeeded: 0xF0 | (scalar >> 18))
      out[1] = UInt8(truncatingIfNeeded: 0x80 | ((scalar >> 12) & 0x3F))
      out[2] = UInt8(truncatingIfNeeded: 0x80 | ((scalar >> 6) & 0x3F))
      out[3] = UInt8(truncatingIfNeeded: 0x80 | (scalar & 0x3F))
      count &+= 4
    }
  }

  @inline(never)
  private mutating func grow(toFit extra: Int) {
    let needed = count + extra
    var newCapacity = Swift.max(256, capacity &* 2)
    while newCapacity < needed { newCapacity &*= 2 }
    let newStorage = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
    if let storage {
      newStorage.initialize(from: storage, count: count)
      storage.deallocate()
    }
    storage = newStorage
    capacity = newCapacity
  }
}
