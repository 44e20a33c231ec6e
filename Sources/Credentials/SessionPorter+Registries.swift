import JSONKit
import ProviderKit

/// The registries a session depends on (``SessionRegistry``), and the check that a moved session
/// is really there.
extension SessionPorter {
  /// Adds the source's registry entries that the destination lacks, then checks that the
  /// destination lists every one of them.
  ///
  /// - Returns: the registry files written.
  /// - Throws: ``CredentialError`` `.io` when the source has no readable registry (the move could
  ///   not be verified: the CLI would not find the session and start over), or a write fails.
  static func mergeRegistries(
    _ registries: [SessionRegistry], sessionID: String, from source: String, to destination: String
  ) throws(CredentialError) -> [String] {
    var written: [String] = []
    for registry in registries {
      try validate(registryPath: registry.file)
      let sourceFile = source + "/" + registry.file
      guard let incoming = try entries(of: registry, in: sourceFile), !incoming.isEmpty else {
        throw CredentialError(
          .io,
          "session \(sessionID) cannot be moved verifiably: \(sourceFile) lists no \(registry.array), "
            + "so the CLI would not find the session in \(destination)")
      }
      let targetFile = destination + "/" + registry.file
      var document = try document(at: targetFile)
      var present = (document[registry.array]?.arrayValue ?? []).compactMap {
        $0.objectValue?[registry.key]
      }
      var array = document[registry.array]?.arrayValue ?? []
      var added = false
      for entry in incoming {
        guard let key = entry.objectValue?[registry.key], !present.contains(key) else { continue }
        array.append(entry)
        present.append(key)
        added = true
      }
      if added {
        document[registry.array] = .array(array)
        try CredentialFileIO.makeDirectories(NSStringPath(path: targetFile).parent)
        try CredentialFileIO.writeAtomically(JSONWriter.bytes(.object(document)), to: targetFile)
        written.append(targetFile)
      }
      let listed = try entries(of: registry, in: targetFile) ?? []
      let keys = listed.compactMap { $0.objectValue?[registry.key] }
      guard incoming.allSatisfy({ $0.objectValue?[registry.key].map(keys.contains) ?? true }) else {
        throw CredentialError(.io, "session \(sessionID): \(targetFile) does not list what it needs")
      }
    }
    return written
  }

  /// Fails unless `destination` now holds a transcript of the session at least as large as the
  /// source's (any size when account-bound lines stay behind): a move that cannot be seen in place
  /// is an error, never a silent fresh start.
  static func verifyMoved(
    sessionID: String, provider: ProviderDefinition, from source: String, to destination: String
  ) throws(CredentialError) {
    let sizes = { (root: String) -> Int in
      transcripts(sessionID: sessionID, provider: provider, in: root)
        .compactMap { CredentialFileIO.status($0)?.size }.map { Int($0) }.max() ?? -1
    }
    let moved = sizes(destination)
    // A copy that leaves account-bound lines behind is shorter by design.
    let shortened = !(provider.sessionFiles?.accountBound.isEmpty ?? true)
    guard moved >= 0, shortened || moved >= sizes(source) else {
      throw CredentialError(
        .io, "session \(sessionID) did not arrive in \(destination): its transcript is missing or shorter")
    }
  }

  private static func validate(registryPath path: String) throws(CredentialError) {
    let parts = path.split(separator: "/")
    guard !path.isEmpty, !path.hasPrefix("/"), !parts.contains(".."), !parts.contains(".") else {
      throw CredentialError(.io, "invalid registry file \"\(path)\": it must be a relative path")
    }
  }

  /// The registry's entries in `file`, or nil when the file does not exist.
  private static func entries(of registry: SessionRegistry, in file: String) throws(CredentialError)
    -> [JSONValue]?
  {
    guard CredentialFileIO.status(file) != nil else { return nil }
    return try document(at: file)[registry.array]?.arrayValue ?? []
  }

  /// The JSON object in `file`; an empty object when the file does not exist.
  private static func document(at file: String) throws(CredentialError) -> JSONObject {
    guard let bytes = try CredentialFileIO.read(file) else { return JSONObject() }
    guard let value = try? JSONParser.parse(bytes), let object = value.objectValue else {
      throw CredentialError(.io, "\(file) is not a JSON object")
    }
    return object
  }
}

/// The parent folder of a path, without Foundation.
private struct NSStringPath {
  let path: String
  var parent: String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
  }
}
