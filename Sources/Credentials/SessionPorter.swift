import Foundation
import JSONKit
import ProviderKit

/// Moves a provider session (its transcript and companion files) from one account's config dir to
/// another's, so that the CLI can resume the same session under the other account.
///
/// Where the files are comes from the provider definition's ``SessionFiles`` patterns
/// (`projects/*/{session}.jsonl`, `sessions/**/rollout-*-{session}.jsonl`). Files land at the same
/// relative path in the destination, byte for byte, files 0600 and new folders 0700; each file is
/// written to a temp file and renamed into place, so a CLI never reads half a transcript.
///
/// A transcript is append-only, so the copy that holds more turns is the larger one: a destination
/// file is replaced only when the source is larger, or the same size but newer with different
/// bytes. Copies keep the source's modification time, so ported copies compare as equals. Porting
/// back and forth therefore never loses a turn: after a turn (even a failed one) the account that
/// ran it holds the longest transcript and wins. Stale copies of the same session at another
/// relative path in the destination (another project folder) are removed, so the CLI cannot
/// resume an older copy. Symbolic links are neither followed nor copied.
public struct SessionPorter: Sendable {
  /// How deep `**` descends (a guard against pathological trees).
  static let maximumDepth = 32

  /// Creates a porter.
  public init() {}

  /// Copies the session `sessionID` from the config dir `source` to the config dir `destination`.
  ///
  /// - Parameters:
  ///   - sessionID: the provider's session id (Claude `session_id`, Codex `thread_id`); it may not
  ///     contain `/` or `..`.
  ///   - provider: the provider, whose ``ProviderDefinition/sessionFiles`` say where sessions live.
  ///   - source: the config dir that holds the session now.
  ///   - destination: the config dir to move it to (created, 0700, if missing).
  /// - Returns: the absolute paths written in `destination` (empty when it was already up to date).
  /// - Throws: ``CredentialError`` `.io` when the id is invalid, the provider keeps no movable session
  ///   files, the transcript is not in `source`, a registry the session needs cannot be brought
  ///   along (``SessionFiles/registries``), the moved transcript is not in `destination`
  ///   afterwards, or a file operation fails.
  public func port(
    sessionID: String, provider: ProviderDefinition, from source: String, to destination: String
  ) throws(CredentialError) -> [String] {
    try Self.validate(sessionID: sessionID)
    guard let files = provider.sessionFiles, !files.patterns.isEmpty else {
      throw CredentialError(
        .io,
        "\(provider.displayName) sessions cannot move to another account: the provider definition has no "
          + "sessionFiles, so session \(sessionID) can only resume under the account that started it")
    }
    let source = Self.standardized(source)
    let destination = Self.standardized(destination)
    let transcripts = try files.patterns.map { (pattern) throws(CredentialError) in
      try SessionPattern(pattern, sessionID: sessionID)
    }
    let companions = try files.companions.map { (pattern) throws(CredentialError) in
      try SessionPattern(pattern, sessionID: sessionID)
    }

    var found = false
    var plans: [(source: String, target: String, stale: [String])] = []
    for pattern in transcripts {
      let candidates = pattern.matches(in: source, acceptDirectories: false)
      guard let best = candidates.max(by: { Self.holdsLess($0, than: $1, root: source) }) else { continue }
      found = true
      guard source != destination else { continue }
      let sourceFile = source + "/" + best
      let existing = pattern.matches(in: destination, acceptDirectories: false)
      // A destination copy holding more than the source wins: keep everything as it is.
      var destinationHoldsMore = false
      for relative in existing where try Self.shouldKeep(destination + "/" + relative, over: sourceFile) {
        destinationHoldsMore = true
      }
      if destinationHoldsMore { continue }
      plans.append(
        (sourceFile, destination + "/" + best, existing.filter { $0 != best }.map { destination + "/" + $0 }))
    }
    guard found else {
      throw CredentialError(.io, "no transcript for session \(sessionID) in \(source)")
    }
    guard source != destination else { return [] }

    var written: [String] = []
    for plan in plans {
      if !files.accountBound.isEmpty {
        try Self.copyLeavingOut(files.accountBound, from: plan.source, to: plan.target)
        written.append(plan.target)
      } else if try Self.copyIfNeeded(plan.source, to: plan.target) {
        written.append(plan.target)
      }
      for stale in plan.stale { CredentialFileIO.removeFile(stale) }
    }
    for pattern in companions {
      for relative in pattern.matches(in: source, acceptDirectories: true) {
        try Self.merge(source + "/" + relative, into: destination + "/" + relative, written: &written)
      }
    }
    written += try Self.mergeRegistries(files.registries, sessionID: sessionID, from: source, to: destination)
    try Self.verifyMoved(sessionID: sessionID, provider: provider, from: source, to: destination)
    return written
  }

  // MARK: - Decisions

  /// The transcript files of session `sessionID` under `configDirectory` (absolute paths, sorted),
  /// as the provider's ``ProviderDefinition/sessionFiles`` patterns find them; empty when there are
  /// none, the id is invalid or the provider keeps no session files.
  public static func transcripts(sessionID: String, provider: ProviderDefinition, in configDirectory: String)
    -> [String]
  {
    guard (try? validate(sessionID: sessionID)) != nil, let files = provider.sessionFiles else { return [] }
    let root = standardized(configDirectory)
    return files.patterns.flatMap { pattern in
      ((try? SessionPattern(pattern, sessionID: sessionID))?.matches(in: root, acceptDirectories: false) ?? [])
        .map { root + "/" + $0 }
    }.sorted()
  }

  static func validate(sessionID: String) throws(CredentialError) {
    guard !sessionID.isEmpty, !sessionID.contains("/"), !sessionID.contains(".."),
      !sessionID.contains("\0"), sessionID != "."
    else {
      throw CredentialError(
        .io, "invalid session id \"\(sessionID)\": it may not be empty or contain / or ..")
    }
  }

  static func standardized(_ path: String) -> String {
    var path = URL(fileURLWithPath: path).standardizedFileURL.path
    while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
    return path
  }

  /// Orders candidate transcripts: smaller, then older, holds less.
  static func holdsLess(_ a: String, than b: String, root: String) -> Bool {
    guard let first = CredentialFileIO.status(root + "/" + a),
      let second = CredentialFileIO.status(root + "/" + b)
    else { return false }
    if first.size != second.size { return first.size < second.size }
    return first.modifiedSeconds < second.modifiedSeconds
  }

  /// Whether the existing `kept` file should stay instead of being replaced by `incoming`: it is
  /// larger, or the same size and newer with different bytes. Identical files are kept (no write).
  static func shouldKeep(_ kept: String, over incoming: String) throws(CredentialError) -> Bool {
    guard let old = CredentialFileIO.status(kept), old.kind == .file,
      let new = CredentialFileIO.status(incoming)
    else { return false }
    if old.size != new.size { return old.size > new.size }
    if try CredentialFileIO.read(kept) == CredentialFileIO.read(incoming) { return true }
    return old.modifiedSeconds > new.modifiedSeconds
  }

  /// Copies `source` over `target` unless `target` already holds as much; returns whether it wrote.
  static func copyIfNeeded(_ source: String, to target: String) throws(CredentialError) -> Bool {
    if let existing = CredentialFileIO.status(target) {
      if existing.kind == .directory {
        throw CredentialError(.io, "cannot copy \(source) to \(target): a folder is in the way")
      }
      if existing.kind == .file, try shouldKeep(target, over: source) { return false }
    }
    try CredentialFileIO.makeDirectories((target as NSString).deletingLastPathComponent)
    try CredentialFileIO.copyAtomically(from: source, to: target)
    return true
  }

  /// Writes `source`'s lines to `target`, leaving out those whose JSON holds a non-null value at
  /// one of the dotted `keyPaths` (see ``SessionFiles/accountBound``). Lines that are not JSON are
  /// kept as they are.
  static func copyLeavingOut(_ keyPaths: [String], from source: String, to target: String)
    throws(CredentialError)
  {
    guard let bytes = try CredentialFileIO.read(source) else {
      throw CredentialError(.io, "cannot read \(source)")
    }
    let paths = keyPaths.map { $0.split(separator: ".").map(String.init) }
    var kept: [UInt8] = []
    kept.reserveCapacity(bytes.count)
    var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    if lines.last?.isEmpty == true { lines.removeLast() }
    for line in lines {
      if let value = try? JSONParser.parse(Array(line)),
        paths.contains(where: { Self.holdsValue(value, at: $0) })
      {
        continue
      }
      kept.append(contentsOf: line)
      kept.append(UInt8(ascii: "\n"))
    }
    if bytes.last != UInt8(ascii: "\n"), !kept.isEmpty { kept.removeLast() }
    if let existing = CredentialFileIO.status(target), existing.kind == .directory {
      throw CredentialError(.io, "cannot copy \(source) to \(target): a folder is in the way")
    }
    try CredentialFileIO.makeDirectories((target as NSString).deletingLastPathComponent)
    try CredentialFileIO.writeAtomically(kept, to: target)
  }

  private static func holdsValue(_ value: JSONValue, at path: [String]) -> Bool {
    var current = value
    for key in path {
      guard let next = current[key] else { return false }
      current = next
    }
    return !current.isNull
  }

  /// Copies a companion file, or a companion folder recursively, file by file.
  static func merge(_ source: String, into target: String, written: inout [String]) throws(CredentialError) {
    guard let status = CredentialFileIO.status(source) else { return }
    switch status.kind {
    case .file:
      if try copyIfNeeded(source, to: target) { written.append(target) }
    case .directory:
      try CredentialFileIO.makeDirectories(target)
      for name in CredentialFileIO.entries(of: source) where !name.contains(".multiagent-tmp-") {
        try merge(source + "/" + name, into: target + "/" + name, written: &written)
      }
    case .other:
      return
    }
  }
}

/// A compiled ``SessionFiles`` pattern: `/`-separated segments where `*` matches within one segment,
/// a `**` segment matches any number of folders, and `{session}` is the session id (literally).
struct SessionPattern {
  enum Token: Equatable {
    case literal([UInt8])
    case star
  }

  enum Segment {
    case anyDepth
    case name([Token])
  }

  let text: String
  let segments: [Segment]

  init(_ pattern: String, sessionID: String) throws(CredentialError) {
    text = pattern
    let parts = pattern.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    guard !parts.isEmpty, !pattern.hasPrefix("/"), !parts.contains(".."), !parts.contains(".") else {
      throw CredentialError(.io, "invalid session file pattern \"\(pattern)\": it must be a relative path")
    }
    guard parts.last != "**" else {
      throw CredentialError(.io, "invalid session file pattern \"\(pattern)\": it cannot end with **")
    }
    segments = parts.map { part in
      if part == "**" { return .anyDepth }
      return .name(Self.tokens(of: part, sessionID: sessionID))
    }
  }

  static func tokens(of segment: String, sessionID: String) -> [Token] {
    var tokens: [Token] = []
    var literal: [UInt8] = []
    var rest = Substring(segment)
    func flush() {
      if !literal.isEmpty { tokens.append(.literal(literal)) }
      literal = []
    }
    while let first = rest.first {
      if rest.hasPrefix("{session}") {
        literal.append(contentsOf: sessionID.utf8)
        rest = rest.dropFirst("{session}".count)
      } else if first == "*" {
        flush()
        if tokens.last != .star { tokens.append(.star) }
        rest = rest.dropFirst()
      } else {
        literal.append(contentsOf: String(first).utf8)
        rest = rest.dropFirst()
      }
    }
    flush()
    return tokens
  }

  /// Relative paths under `root` that match, sorted. The last segment matches regular files (and
  /// folders too when `acceptDirectories`); the others match folders. Symlinks never match.
  func matches(in root: String, acceptDirectories: Bool) -> [String] {
    var found = Set<String>()
    walk(
      index: 0, directory: root, relative: "", depth: 0, acceptDirectories: acceptDirectories, into: &found)
    return found.sorted()
  }

  private func walk(
    index: Int, directory: String, relative: String, depth: Int, acceptDirectories: Bool,
    into found: inout Set<String>
  ) {
    guard depth <= SessionPorter.maximumDepth else { return }
    let isLast = index == segments.count - 1
    switch segments[index] {
    case .anyDepth:
      // Zero folders…
      walk(
        index: index + 1, directory: directory, relative: relative, depth: depth,
        acceptDirectories: acceptDirectories, into: &found)
      // …or one more, keeping `**`.
      for name in CredentialFileIO.entries(of: directory) where !name.hasPrefix(".") {
        let path = directory + "/" + name
        guard CredentialFileIO.status(path)?.kind == .directory else { continue }
        walk(
          index: index, directory: path, relative: relative + name + "/", depth: depth + 1,
          acceptDirectories: acceptDirectories, into: &found)
      }
    case .name(let tokens):
      for name in CredentialFileIO.entries(of: directory) where Self.match(Array(name.utf8), tokens) {
        let path = directory + "/" + name
        guard let kind = CredentialFileIO.status(path)?.kind else { continue }
        if isLast {
          if kind == .file || (acceptDirectories && kind == .directory) { found.insert(relative + name) }
        } else if kind == .directory {
          walk(
            index: index + 1, directory: path, relative: relative + name + "/", depth: depth + 1,
            acceptDirectories: acceptDirectories, into: &found)
        }
      }
    }
  }

  /// Glob match of one name against tokens; a leading `*` does not match a leading `.`.
  static func match(_ name: [UInt8], _ tokens: [Token]) -> Bool {
    if tokens.first == .star, name.first == UInt8(ascii: ".") { return false }
    return match(name[...], tokens[...])
  }

  private static func match(_ name: ArraySlice<UInt8>, _ tokens: ArraySlice<Token>) -> Bool {
    guard let token = tokens.first else { return name.isEmpty }
    switch token {
    case .literal(let bytes):
      guard name.starts(with: bytes) else { return false }
      return match(name.dropFirst(bytes.count), tokens.dropFirst())
    case .star:
      var rest = name
      while true {
        if match(rest, tokens.dropFirst()) { return true }
        guard !rest.isEmpty else { return false }
        rest = rest.dropFirst()
      }
    }
  }
}
