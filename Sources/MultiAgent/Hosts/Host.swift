#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// A machine agents can run on, reached over SSH: `multiagent hosts add NAME --ssh user@host`.
///
/// Only the path of the identity file is kept, never its content.
public struct RemoteHost: Sendable, Hashable {
  /// The host's name in multiagent (same rules as agent names, see ``Hosts/isValidName(_:)``).
  public var name: String
  /// The login user, or nil for ssh's default.
  public var user: String?
  /// The address or DNS name ssh connects to.
  public var address: String
  /// The SSH port.
  public var port: Int
  /// The private key file ssh uses (absolute path), or nil for ssh's own choice.
  public var identityFile: String?
  /// When the host was added.
  public var createdAt: Date

  /// Creates a host value.
  public init(
    name: String, user: String?, address: String, port: Int = 22, identityFile: String? = nil,
    createdAt: Date = Date()
  ) {
    self.name = name
    self.user = user
    self.address = address
    self.port = port
    self.identityFile = identityFile
    self.createdAt = createdAt
  }

  /// `user@address`, or `address` without a user: what `--ssh` was given.
  public var sshTarget: String { user.map { "\($0)@\(address)" } ?? address }
}

/// An SSH destination as the user wrote it: `user@host` or `host`.
public struct SSHTarget: Sendable, Hashable {
  /// The login user, if given.
  public var user: String?
  /// The address or DNS name.
  public var address: String

  /// A target of `user` (nil for ssh's default) at `address`, taken as given.
  public init(user: String?, address: String) {
    self.user = user
    self.address = address
  }

  /// Parses `user@host`; nil when it is not one. Neither part may be empty, start with `-` (ssh
  /// would read an option) or hold spaces, control characters, quotes or shell syntax: a user is
  /// letters, digits and `. _ -`; a host is letters, digits and `. - :` (IPv6 too, bracketed or not).
  public init?(_ text: String) {
    let parts = text.split(separator: "@", omittingEmptySubsequences: false)
    guard parts.count <= 2 else { return nil }
    let user = parts.count == 2 ? String(parts[0]) : nil
    let host = String(parts[parts.count - 1])
    var address = host
    if host.hasPrefix("["), host.hasSuffix("]"), host.count > 2 {
      address = String(host.dropFirst().dropLast())
    }
    guard Self.isValid(address, extra: ".-:"), user.map({ Self.isValid($0, extra: "._-") }) ?? true else {
      return nil
    }
    self.user = user
    self.address = address
  }

  private static func isValid(_ word: String, extra: String) -> Bool {
    guard (1...253).contains(word.utf8.count), !word.hasPrefix("-") else { return false }
    return word.unicodeScalars.allSatisfy { scalar in
      (scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)))
        || extra.unicodeScalars.contains(scalar)
    }
  }
}
