import Foundation
import ProviderKit
import StateStore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The files of an account's config dir: the folder itself (0700), the CLI's credential file and
/// settings file in it (0600), and where the user's own config dir is.
///
/// Paths in a provider's ``CredentialLayout/files`` are relative to the folder its config-dir
/// variable points at; for a variable that relocates a *home* (Gemini's `GEMINI_CLI_HOME`) they
/// include the ``ConfigDirectory/subdirectory`` (`.gemini/oauth_creds.json`).
public enum AccountFiles {
  /// The settings file each config-dir variable's CLI reads, relative to the folder the variable
  /// points at. Copied from the user's own config dir into an account's, so that the user's
  /// settings (model providers, permissions, …) follow every account.
  public static let settingsFiles: [String: String] = [
    "CLAUDE_CONFIG_DIR": "settings.json",
    "CODEX_HOME": "config.toml",
    "GEMINI_CLI_HOME": ".gemini/settings.json",
  ]

  /// The provider's settings file relative to its config dir, if known.
  public static func settingsFile(of provider: ProviderDefinition) -> String? {
    provider.configDirectory.flatMap { settingsFiles[$0.environmentVariable] }
  }

  /// The user's own config dir for `provider` (the folder its variable points at): the variable's
  /// value in `environment`, else the definition's default with `~` expanded; nil when neither.
  public static func userConfigDirectory(of provider: ProviderDefinition, environment: [String: String])
    -> String?
  {
    guard let layout = provider.configDirectory else { return nil }
    if let value = environment[layout.environmentVariable], !value.isEmpty {
      return expandTilde(value, environment)
    }
    return layout.defaultPath.map { expandTilde($0, environment) }
  }

  /// Creates `path` (and missing parents) and makes it mode 0700, through a descriptor opened
  /// `O_NOFOLLOW`: a symbolic link there (or on the way) is refused, never followed.
  ///
  /// - Throws: ``CredentialError`` with code `io`.
  public static func createPrivateDirectory(_ path: String) throws(CredentialError) {
    do throws(UnsafePathError) { try PrivatePath.makePrivateDirectory(path) } catch {
      throw CredentialError(.io, "cannot make a private folder: \(error.description)")
    }
  }

  /// The config dir the CLI runs with for `account`: its own, or — for a provider whose credentials
  /// live apart (``ConfigDirectory/credentialsEnvironmentVariable``) — the one every account of the
  /// provider shares, `<accounts>/<provider>/.shared` (no account id starts with a dot).
  public static func sessionDirectory(of account: Account, provider: ProviderDefinition) -> String {
    guard provider.configDirectory?.credentialsEnvironmentVariable != nil else {
      return account.configDirectory
    }
    return (account.configDirectory as NSString).deletingLastPathComponent + "/.shared"
  }

  /// Creates the account's config dir (0700), and its subdirectory for a home-style variable.
  ///
  /// - Throws: ``CredentialError`` with code `io`.
  public static func createDirectory(of account: Account, provider: ProviderDefinition)
    throws(CredentialError)
  {
    try createPrivateDirectory((account.configDirectory as NSString).deletingLastPathComponent)
    try createPrivateDirectory(account.configDirectory)
    let shared = sessionDirectory(of: account, provider: provider)
    if shared != account.configDirectory { try createPrivateDirectory(shared) }
    if let subdirectory = provider.configDirectory?.subdirectory, !subdirectory.isEmpty {
      try createPrivateDirectory(account.configDirectory + "/" + subdirectory)
    }
  }

  /// Writes `bytes` to `relativePath` inside the account's config dir, atomically, mode 0600.
  ///
  /// - Throws: ``CredentialError`` with code `io`.
  public static func writePrivateFile(_ bytes: [UInt8], to relativePath: String, in account: Account)
    throws(CredentialError)
  {
    let path = account.configDirectory + "/" + relativePath
    try CredentialFileIO.makeDirectories((path as NSString).deletingLastPathComponent)
    try CredentialFileIO.writeAtomically(bytes, to: path)
  }

  /// Installs the CLI's own credential file (Claude `.credentials.json`, Codex `auth.json`) in the
  /// account's config dir, 0600, under the provider's first credential file name.
  ///
  /// - Parameters:
  ///   - source: the file to copy; it must hold a JSON object.
  ///   - account: the account (its config dir is created when missing).
  ///   - provider: its provider; it must have a config dir variable and a credential file.
  /// - Throws: ``CredentialError``: `invalidCredentials` when the provider has no credential file or
  ///   the source is empty or not a JSON object; `io` when it cannot be read or written.
  public static func installCredentialFile(
    from source: String, into account: Account, provider: ProviderDefinition
  )
    throws(CredentialError)
  {
    guard provider.configDirectory != nil, let file = provider.credentials.files.first else {
      throw CredentialError(
        .invalidCredentials, "\(provider.name) keeps no credential file in a config dir multiagent can set")
    }
    let bytes = try validateCredentialFile(at: source)
    try createDirectory(of: account, provider: provider)
    try writePrivateFile(bytes, to: file.path, in: account)
  }

  /// Copies the provider's credential files found in `directory` (and its settings file, when there)
  /// into the account's config dir, each 0600.
  ///
  /// `directory` may be the folder the config-dir variable points at (`~`, for Gemini) or, for a
  /// home-style variable, its subdirectory (`~/.gemini`).
  ///
  /// - Returns: the credential files copied (relative paths).
  /// - Throws: ``CredentialError``: `invalidCredentials` when the provider has no credential files or
  ///   none is in `directory`; `io` when a file cannot be copied.
  @discardableResult
  public static func importConfigDirectory(
    _ directory: String, into account: Account, provider: ProviderDefinition
  )
    throws(CredentialError) -> [String]
  {
    guard provider.configDirectory != nil, !provider.credentials.files.isEmpty else {
      throw CredentialError(
        .invalidCredentials, "\(provider.name) keeps no credential file in a config dir multiagent can set")
    }
    guard CredentialFileIO.status(directory)?.kind == .directory else {
      throw CredentialError(.io, "\(directory) is not a folder")
    }
    let found = provider.credentials.files.compactMap { file in
      locate(file.path, in: directory, provider: provider).map { (relative: file.path, source: $0) }
    }
    guard !found.isEmpty else {
      let names = provider.credentials.files.map(\.path).joined(separator: ", ")
      throw CredentialError(
        .invalidCredentials, "\(directory) has no \(provider.name) credential file (\(names))")
    }
    try createDirectory(of: account, provider: provider)
    for (relative, source) in found {
      try CredentialFileIO.makeDirectories(
        ((account.configDirectory + "/" + relative) as NSString).deletingLastPathComponent)
      try CredentialFileIO.copyAtomically(from: source, to: account.configDirectory + "/" + relative)
    }
    if let settings = settingsFile(of: provider),
      let source = locate(settings, in: directory, provider: provider)
    {
      try CredentialFileIO.copyAtomically(from: source, to: account.configDirectory + "/" + settings)
    }
    return found.map(\.relative)
  }

  /// Copies the user's settings file into the config dir the account runs with (0600) when it has
  /// none and the user's own config dir has one.
  ///
  /// - Returns: whether a file was copied.
  /// - Throws: ``CredentialError`` with code `io`.
  @discardableResult
  public static func copyUserSettings(
    into account: Account, provider: ProviderDefinition, environment: [String: String]
  )
    throws(CredentialError) -> Bool
  {
    guard let settings = settingsFile(of: provider),
      let userDirectory = userConfigDirectory(of: provider, environment: environment)
    else { return false }
    let destination = sessionDirectory(of: account, provider: provider) + "/" + settings
    let source = userDirectory + "/" + settings
    guard CredentialFileIO.status(destination) == nil, CredentialFileIO.status(source)?.kind == .file,
      standardized(source) != standardized(destination)
    else { return false }
    try CredentialFileIO.makeDirectories((destination as NSString).deletingLastPathComponent)
    try CredentialFileIO.copyAtomically(from: source, to: destination)
    return true
  }

  /// Deletes the account's config dir, only when it is inside `accountsDirectory`.
  ///
  /// - Throws: ``CredentialError`` with code `io`.
  public static func removeDirectory(of account: Account, accountsDirectory: String) throws(CredentialError) {
    let directory = standardized(account.configDirectory)
    guard directory.hasPrefix(standardized(accountsDirectory) + "/") else { return }
    guard CredentialFileIO.status(directory) != nil else { return }
    do {
      try FileManager.default.removeItem(atPath: directory)
    } catch {
      throw CredentialError(.io, "cannot remove \(directory): \(error.localizedDescription)")
    }
  }

  // MARK: Internals

  /// `relative` inside `directory`; for a home-style variable also tried with the subdirectory
  /// dropped, in case `directory` is that subdirectory.
  private static func locate(_ relative: String, in directory: String, provider: ProviderDefinition)
    -> String?
  {
    var candidates = [directory + "/" + relative]
    if let subdirectory = provider.configDirectory?.subdirectory, !subdirectory.isEmpty,
      relative.hasPrefix(subdirectory + "/")
    {
      candidates.append(directory + "/" + relative.dropFirst(subdirectory.count + 1))
    }
    return candidates.first { CredentialFileIO.status($0)?.kind == .file }
  }

  /// Reads a CLI credential file given by the user and checks that it holds a JSON object (every
  /// known format is one). Error messages never quote the content.
  ///
  /// - Returns: the file's bytes.
  /// - Throws: ``CredentialError``: `io` when it cannot be read, `invalidCredentials` when it is empty
  ///   or not a JSON object.
  @discardableResult
  public static func validateCredentialFile(at source: String) throws(CredentialError) -> [UInt8] {
    guard CredentialFileIO.status(source).map({ $0.kind != .directory }) ?? true else {
      throw CredentialError(.io, "\(source) is a folder, not a credential file")
    }
    guard let bytes = try CredentialFileIO.read(source) else {
      throw CredentialError(.io, "cannot read \(source): no such file")
    }
    guard !bytes.allSatisfy({ [0x20, 0x0A, 0x0D, 0x09].contains($0) }) else {
      throw CredentialError(.invalidCredentials, "\(source) is empty")
    }
    guard (try? JSONSerialization.jsonObject(with: Data(bytes))) is [String: Any] else {
      throw CredentialError(.invalidCredentials, "\(source) is not a JSON object (a CLI credential file)")
    }
    return bytes
  }

  private static func expandTilde(_ path: String, _ environment: [String: String]) -> String {
    guard path == "~" || path.hasPrefix("~/") else { return path }
    let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
    return home + path.dropFirst()
  }

  private static func standardized(_ path: String) -> String {
    URL(fileURLWithPath: path).standardizedFileURL.path
  }
}
