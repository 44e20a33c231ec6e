import Foundation
import ProviderKit
import Providers
import StateStore
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The directory where multiagent keeps its state: the database, agent logs, account config dirs,
/// worktrees and the user's providers.json.
///
/// Resolving a home never touches the disk; ``create()`` makes it (mode 0700) when a command is about
/// to write. Read-only commands (listing providers) work without a home on disk.
public struct StateHome: Sendable, Hashable, CustomStringConvertible {
  /// The environment variable that chooses the home when `--home` is not given.
  public static let environmentVariable = "MULTIAGENT_HOME"

  /// The environment variable that names a shared store (`postgres://…`) instead of the home's
  /// SQLite file. The CLI sets it from `--store`, so that supervisors and agents inherit the store
  /// through their environment, never through their arguments (it may hold a password).
  public static let storeEnvironmentVariable = "MULTIAGENT_STORE"

  /// The absolute path of the home directory.
  public let path: String
  /// Where the agents, accounts and hosts are kept: `<home>/state.db` unless a shared store is named.
  public let store: StoreLocation

  /// A home at `path`; a relative path is taken relative to the current directory and `~` is expanded.
  /// Its store is the one `$MULTIAGENT_STORE` names when that is a PostgreSQL URL, else
  /// `<home>/state.db` (the CLI refuses any other value before it gets here).
  public init(path: String, environment: [String: String] = ProcessEnvironment.current) {
    self.path = Self.absolute(path, environment: environment)
    let named = environment[Self.storeEnvironmentVariable].flatMap { try? StoreLocation(url: $0) }
    store = named ?? .sqlite(path: self.path + "/state.db")
  }

  /// A home at `path` whose store is `store`.
  public init(path: String, store: StoreLocation, environment: [String: String] = ProcessEnvironment.current)
  {
    self.path = Self.absolute(path, environment: environment)
    self.store = store
  }

  /// Whether the store is the home's own SQLite file (not a shared server).
  public var storeIsLocalFile: Bool { store.engine == .sqlite }

  /// The home chosen by `--home`, else `$MULTIAGENT_HOME`, else `~/.multiagent`.
  ///
  /// - Parameters:
  ///   - override: the `--home` value, if given.
  ///   - environment: the process environment.
  /// - Throws: ``StateHomeError`` when neither is set and the user's home directory is unknown.
  public static func resolve(
    override: String?, environment: [String: String] = ProcessEnvironment.current
  ) throws(StateHomeError) -> StateHome {
    if let override, !override.isEmpty { return StateHome(path: override, environment: environment) }
    if let variable = environment[environmentVariable], !variable.isEmpty {
      return StateHome(path: variable, environment: environment)
    }
    guard let userHome = userHomeDirectory(environment) else {
      throw StateHomeError(
        path: "~/.multiagent",
        message: "cannot find your home directory; set \(environmentVariable)")
    }
    return StateHome(path: userHome + "/.multiagent", environment: environment)
  }

  /// `<home>/providers.json`: the user's provider overrides and additions (optional).
  public var providersFile: String { path + "/providers.json" }
  /// `<home>/state.db`: the SQLite database.
  public var database: String { path + "/state.db" }
  /// `<home>/agents`: one folder per agent (output log, prompt, signal file).
  public var agentsDirectory: String { path + "/agents" }
  /// `<home>/accounts`: one config dir per provider account.
  public var accountsDirectory: String { path + "/accounts" }
  /// `<home>/worktrees`: one git worktree per agent.
  public var worktreesDirectory: String { path + "/worktrees" }

  /// The built-in providers merged with this home's providers.json, if there is one.
  ///
  /// Decoding the catalog is most of what a short command does before its real work, so a
  /// process decodes it once per version of the file (its size, modification time and inode).
  ///
  /// - Throws: ``CatalogError`` naming the file, the provider and the field when the user's file is
  ///   not valid.
  public func providerRegistry() throws(CatalogError) -> ProviderRegistry {
    let file = providersFile
    let signature = Self.fileSignature(file)
    if let cached = Self.registryCache.withLock({ $0[file] }), cached.signature == signature {
      return cached.registry
    }
    let registry = try BuiltinProviders.registry(userCatalogPath: file)
    Self.registryCache.withLock { $0[file] = (signature, registry) }
    return registry
  }

  private static let registryCache = Mutex<[String: (signature: [Int], registry: ProviderRegistry)]>([:])

  /// Identifies one version of the file at `path` (empty when there is none).
  private static func fileSignature(_ path: String) -> [Int] {
    var info = stat()
    guard stat(path, &info) == 0 else { return [] }
    return [
      Int(info.st_size), Int(info.st_ino), Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec),
      Int(info.st_ctim.tv_sec), Int(info.st_ctim.tv_nsec),
    ]
  }

  /// The path.
  public var description: String { path }

  /// Whether the home exists as a directory.
  public var exists: Bool {
    var isDirectory: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
  }

  /// Creates the home and its agents, accounts and worktrees folders, each mode 0700, if missing.
  ///
  /// Folders that already exist keep their mode: a user who points `--home` at a shared folder
  /// decides its permissions. Missing parent folders are created too. The home itself may be a
  /// symbolic link to a folder (the user named that path), but nothing inside it is followed: an
  /// agents, accounts or worktrees folder that is a symbolic link is refused, as is a home whose
  /// owner may not write it (the user made it read-only; multiagent does not change that).
  ///
  /// - Throws: ``StateHomeError`` naming the folder that could not be created or is refused.
  public func create() throws(StateHomeError) {
    try Self.makeDirectory(path)
    try Self.refuseReadOnly(path)
    for directory in [agentsDirectory, accountsDirectory, worktreesDirectory] {
      do throws(UnsafePathError) {
        try PrivatePath.createMissingDirectories(directory)
      } catch {
        throw StateHomeError(path: error.path, message: error.message)
      }
    }
  }

  private static func refuseReadOnly(_ directory: String) throws(StateHomeError) {
    var info = stat()
    guard stat(directory, &info) == 0, info.st_mode & S_IWUSR == 0 else { return }
    throw StateHomeError(
      path: directory,
      message: "is read-only (mode 0\(String(info.st_mode & 0o777, radix: 8))); multiagent does not make "
        + "it writable behind your back: make it writable (chmod u+w) or choose another home")
  }

  private static func makeDirectory(_ directory: String) throws(StateHomeError) {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
      guard isDirectory.boolValue else {
        throw StateHomeError(path: directory, message: "exists but is not a directory; move it away")
      }
      return
    }
    let parent = (directory as NSString).deletingLastPathComponent
    if parent != directory, !parent.isEmpty, !FileManager.default.fileExists(atPath: parent) {
      try makeDirectory(parent)
    }
    // mkdir's mode is masked by the umask; 0700 is narrow enough that no umask widens it.
    if mkdir(directory, 0o700) != 0, errno != EEXIST {
      let reason = String(cString: strerror(errno))
      throw StateHomeError(path: directory, message: "cannot be created (\(reason)); check the permissions")
    }
  }

  private static func absolute(_ path: String, environment: [String: String]) -> String {
    var expanded = path
    if expanded == "~" || expanded.hasPrefix("~/"), let home = userHomeDirectory(environment) {
      expanded = home + expanded.dropFirst()
    }
    if !expanded.hasPrefix("/") {
      expanded = FileManager.default.currentDirectoryPath + "/" + expanded
    }
    return standardized(expanded)
  }

  /// `URL(fileURLWithPath: path).standardizedFileURL.path` for an absolute `path`: the path itself
  /// when it has nothing to standardize (no empty, `.` or `..` component, no trailing `/`), which
  /// spares a short command Foundation's URL parsing (about 0.4M instructions); else through `URL`.
  package static func standardized(_ path: String) -> String {
    let components = path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
    let plain =
      path.utf8.first == UInt8(ascii: "/") && path.utf8.count > 1 && path.utf8.last != UInt8(ascii: "/")
      && components.dropFirst().allSatisfy { component in
        !component.isEmpty && !component.elementsEqual(".".utf8) && !component.elementsEqual("..".utf8)
      }
    return plain ? path : URL(fileURLWithPath: path).standardizedFileURL.path
  }

  private static func userHomeDirectory(_ environment: [String: String]) -> String? {
    if let home = environment["HOME"], !home.isEmpty { return home }
    guard let entry = getpwuid(getuid()), let directory = entry.pointee.pw_dir else { return nil }
    let home = String(cString: directory)
    return home.isEmpty ? nil : home
  }
}

/// A state home that cannot be resolved or created.
public struct StateHomeError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The folder concerned.
  public var path: String
  /// What is wrong and how to fix it.
  public var message: String

  /// Creates an error.
  public init(path: String, message: String) {
    self.path = path
    self.message = message
  }

  /// `<path>: <message>`.
  public var description: String { "\(path): \(message)" }
}
