import Testing

@testable import MultiAgent

/// The pure-Swift SHA-256 against the NIST FIPS 180-4 examples and padding boundaries, and the
/// agent tokens built on it.
@Suite struct SHA256Tests {
  static func digest(_ text: String) -> String { SHA256.hexDigest(text) }

  @Test func nistShortMessages() {
    #expect(Self.digest("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(Self.digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(
      Self.digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
        == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    #expect(
      Self.digest(
        "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
      ) == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
  }

  @Test func nistOneMillionAs() {
    var hasher = SHA256()
    let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
    for _ in 0..<1000 { hasher.update(chunk) }
    #expect(
      SHA256.hex(hasher.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }

  /// Lengths around the 55/56-byte padding edge and the 64-byte block edge (expected values from
  /// Python's hashlib).
  @Test func paddingBoundaries() {
    let expected: [Int: String] = [
      55: "463eb28e72f82e0a96c0a4cc53690c571281131f672aa229e0d45ae59b598b59",
      56: "da2ae4d6b36748f2a318f23e7ab1dfdf45acdc9d049bd80e59de82a60895f562",
      63: "29af2686fd53374a36b0846694cc342177e428d1647515f078784d69cdb9e488",
      64: "fdeab9acf3710362bd2658cdc9a29e8f9c757fcf9811603a8c447cd1d9151108",
      65: "4bfd2c8b6f1eec7a2afeb48b934ee4b2694182027e6d0fc075074f2fabb31781",
      119: "da18797ed7c3a777f0847f429724a2d8cd5138e6ed2895c3fa1a6d39d18f7ec6",
      120: "f52b23db1fbb6ded89ef42a23ce0c8922c45f25c50b568a93bf1c075420bbb7c",
    ]
    for (length, digest) in expected {
      let bytes = (0..<length).map { UInt8($0 % 251) }
      #expect(SHA256.hex(SHA256.hash(bytes)) == digest, "length \(length)")
      // Fed in uneven pieces, the digest is the same.
      var hasher = SHA256()
      var start = 0
      var size = 1
      while start < bytes.count {
        let end = min(start + size, bytes.count)
        hasher.update(bytes[start..<end])
        start = end
        size += 7
      }
      #expect(SHA256.hex(hasher.finalize()) == digest, "length \(length) in pieces")
    }
  }

  @Test func tokensAreRandomHexAndMatchOnlyTheirHash() {
    let first = AgentToken.generate()
    let second = AgentToken.generate()
    #expect(first.count == 64 && first.allSatisfy { $0.isHexDigit && !$0.isUppercase })
    #expect(first != second)
    let hash = AgentToken.hash(first)
    #expect(hash == SHA256.hexDigest(first) && hash != first)
    #expect(AgentToken.matches(first, storedHash: hash))
    #expect(AgentToken.matches(first, storedHash: hash.uppercased()))
    #expect(!AgentToken.matches(second, storedHash: hash))
    #expect(!AgentToken.matches(first, storedHash: String(hash.dropLast())))
    #expect(!AgentToken.matches("", storedHash: hash))
  }
}
