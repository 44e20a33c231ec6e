#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Object members a parse may leave out of its result, so a reader that never looks at them does
/// not pay for building them (see `JSONParser.parse(_:skipping:)`).
///
/// A filter applies to the top-level object: its members named in `skipping` are left out, and the
/// value of a member named in `children`, when it is an object, is filtered by that child filter.
/// Arrays, objects inside arrays and any other member are kept whole. A name matches a member whose
/// name, with escapes decoded, has the same UTF-8 bytes.
///
/// Leaving a member out never changes what is accepted: a skipped value is still checked exactly
/// like one that is kept (strings for escapes and UTF-8, numbers and literals for their grammar,
/// containers for structure and ``JSONParser/maximumDepth``), and an invalid document fails with
/// the same ``JSONParseError`` as an unfiltered parse.
public struct JSONMemberFilter: Sendable {
  /// The filter flattened into tables the parser reads without reference counting.
  let compiled: Compiled

  /// Creates a filter that leaves out the members named `names` of the object it applies to and
  /// filters the object values of the members named in `children` by their own filters. A name in
  /// both is left out.
  public init(skipping names: Set<String>, children: [String: JSONMemberFilter] = [:]) {
    compiled = Compiled(Node(skipping: names, children: children.mapValues(\.root)))
  }

  private var root: Node { compiled.root }

  /// One level of a filter, as given.
  struct Node: Sendable {
    var skipping: Set<String>
    var children: [String: Node]
  }

  /// A flattened filter: one entry per name, grouped by level and by length.
  ///
  /// `@unchecked Sendable`: the tables are written only in `init` and freed in `deinit`.
  final class Compiled: @unchecked Sendable {
    let root: Node
    /// The tables, valid while this object lives.
    let tables: Tables

    /// The filter's tables as plain pointers, for the parser to read without reference counting.
    struct Tables {
      /// For level `l` and name length `n` (64 for 64 and longer), the entries with that length
      /// are `buckets[l * 66 + n] ..< buckets[l * 66 + n + 1]`.
      let buckets: UnsafeMutableBufferPointer<Int32>
      let entries: UnsafeMutableBufferPointer<Entry>
      let names: UnsafeMutableBufferPointer<UInt8>

      /// What to do with a member of a level-`level` object named by the UTF-8 bytes `name`:
      /// `nil` to keep it whole, -1 to skip it, or the level filtering its object value.
      @inline(__always)
      func match(_ name: UnsafeBufferPointer<UInt8>, level: Int) -> Int? {
        let bucket = level &* 66 &+ Swift.min(name.count, 64)
        var index = Int(buckets[bucket])
        let last = Int(buckets[bucket &+ 1])
        guard index < last, let start = name.baseAddress else { return nil }
        var prefix: UInt64 = 0
        if name.count >= 8 {
          prefix = UInt64(littleEndian: UnsafeRawPointer(start).loadUnaligned(as: UInt64.self))
        } else {
          for offset in 0..<name.count { prefix |= UInt64(start[offset]) &<< (8 &* UInt64(offset)) }
        }
        while index < last {
          let entry = entries[index]
          index &+= 1
          guard entry.length == name.count, entry.prefix == prefix else { continue }
          if entry.length <= 8
            || memcmp(start + 8, names.baseAddress.unsafelyUnwrapped + entry.offset + 8, entry.length - 8)
              == 0
          {
            return entry.child
          }
        }
        return nil
      }
    }

    /// One name of one level.
    struct Entry {
      /// The name's UTF-8 length.
      var length: Int
      /// Where the name's bytes start in ``Tables/names``.
      var offset: Int
      /// The name's first eight bytes (zero-padded), for a quick comparison.
      var prefix: UInt64
      /// The level filtering this member's object value, or -1 to skip the member.
      var child: Int
    }

    init(_ root: Node) {
      self.root = root
      var buckets: [Int32] = []
      var entries: [Entry] = []
      var names: [UInt8] = []
      // Breadth-first: levels are numbered in the order they are queued.
      var queue = [root]
      var next = 0
      while next < queue.count {
        let node = queue[next]
        next += 1
        var members: [(name: [UInt8], child: Int)] = node.skipping.map { (Array($0.utf8), -1) }
        for (name, child) in node.children.sorted(by: { $0.key < $1.key }) where !node.skipping.contains(name)
        {
          members.append((Array(name.utf8), queue.count))
          queue.append(child)
        }
        members.sort {
          $0.name.count != $1.name.count
            ? $0.name.count < $1.name.count : $0.name.lexicographicallyPrecedes($1.name)
        }
        var member = 0
        for length in 0...65 {
          buckets.append(Int32(entries.count))
          while member < members.count && Swift.min(members[member].name.count, 64) == length {
            let name = members[member].name
            var prefix: UInt64 = 0
            for (index, byte) in name.prefix(8).enumerated() { prefix |= UInt64(byte) << (8 * UInt64(index)) }
            entries.append(
              Entry(length: name.count, offset: names.count, prefix: prefix, child: members[member].child))
            names.append(contentsOf: name)
            member += 1
          }
        }
      }
      let bucketTable = UnsafeMutableBufferPointer<Int32>.allocate(capacity: buckets.count)
      _ = bucketTable.initialize(from: buckets)
      let entryTable = UnsafeMutableBufferPointer<Entry>.allocate(capacity: Swift.max(entries.count, 1))
      _ = entryTable.initialize(from: entries)
      let nameTable = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: Swift.max(names.count, 1))
      _ = nameTable.initialize(from: names)
      tables = Tables(buckets: bucketTable, entries: entryTable, names: nameTable)
    }

    deinit {
      tables.buckets.deallocate()
      tables.entries.deallocate()
      tables.names.deallocate()
    }
  }
}
