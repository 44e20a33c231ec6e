import Foundation
import JSONKit
import ProcessKit
import ProviderKit

/// Finds a provider's CLI on this machine and asks it for its version.
///
/// Locating is a `PATH` lookup and never runs anything. A version probe runs the definition's
/// `versionArguments` (argv, never a shell; stdin `/dev/null`) in its own process group with a time
/// limit; a CLI that does not answer in time is stopped with SIGTERM, then SIGKILL, together with
/// anything it started.
public struct ProviderInspector: Sendable {
  /// The time limit of a version probe when none is given.
  public static let defaultTimeout: Duration = .seconds(10)
  /// How long a CLI that ran past its time limit gets to exit after SIGTERM before SIGKILL.
  public static let terminationGracePeriod: Duration = .seconds(1)
  /// Output kept of a probe: a version is one line, and a runaway CLI must not fill memory.
  static let outputLimit = 64 * 1024

  /// The folders searched for a binary, in order (the `PATH` entries).
  public var searchPath: [String]
  /// The environment a probed CLI inherits (the definition's own variables are applied over it).
  public var environment: [String: String]

  /// An inspector that searches `environment["PATH"]` and passes `environment` to probed CLIs.
  public init(environment: [String: String] = ProcessEnvironment.current) {
    self.environment = environment
    searchPath = (environment["PATH"] ?? "").split(separator: ":").map(String.init)
  }

  /// The absolute path of the provider's executable, or `nil` when it is not installed.
  ///
  /// An absolute `binary` is used as is; otherwise `PATH` is searched for `binary`, then for each of
  /// `alternativeBinaries` in turn. Only regular files with execute permission count.
  public func locate(_ definition: ProviderDefinition) -> String? {
    let launcher = ProcessLauncher()
    // Empty and relative PATH entries (the current directory) are skipped on purpose.
    let path = ["PATH": searchPath.joined(by: ":")]
    for name in [definition.binary] + definition.alternativeBinaries where !name.isEmpty {
      // A relative path with a slash would depend on the current directory: never used.
      if name.utf8.contains(UInt8(ascii: "/")), !name.hasPrefix("/") { continue }
      if let found = try? launcher.resolveExecutable(name, environment: path) { return found }
    }
    return nil
  }

  /// Locates the provider's CLI and, when `versionTimeout` is given and it is installed, probes its
  /// version.
  public func inspect(_ definition: ProviderDefinition, versionTimeout: Duration?) async
    -> ProviderInstallation
  {
    guard let path = locate(definition) else {
      return ProviderInstallation(name: definition.name, path: nil, version: nil)
    }
    guard let versionTimeout else {
      return ProviderInstallation(name: definition.name, path: path, version: nil)
    }
    let probe = await probeVersion(of: definition, at: path, timeout: versionTimeout)
    return ProviderInstallation(name: definition.name, path: path, version: probe)
  }

  /// Inspects several providers concurrently.
  ///
  /// - Returns: one installation per definition, in the order of `definitions`.
  public func inspect(_ definitions: [ProviderDefinition], versionTimeout: Duration?) async
    -> [ProviderInstallation]
  {
    await withTaskGroup(of: (Int, ProviderInstallation).self) { group in
      for (index, definition) in definitions.enumerated() {
        group.addTask { (index, await inspect(definition, versionTimeout: versionTimeout)) }
      }
      var results = [ProviderInstallation?](repeating: nil, count: definitions.count)
      for await (index, installation) in group { results[index] = installation }
      return results.map { $0! }
    }
  }

  /// Runs the CLI at `executable` with the definition's `versionArguments` and reads its version.
  ///
  /// - Returns: the first non-empty line of standard output (else of standard error) when the CLI
  ///   exits 0; otherwise why it failed, or that it timed out. Never throws: a probe's failure is a
  ///   result.
  public func probeVersion(
    of definition: ProviderDefinition, at executable: String, timeout: Duration = defaultTimeout
  ) async -> VersionProbe {
    var environment = self.environment
    for name in definition.unsetEnvironment { environment.removeValue(forKey: name) }
    environment.merge(definition.environment) { _, new in new }

    let output: ProcessOutput
    do {
      output = try await ProcessRunner().run(
        executable, arguments: definition.versionArguments, environment: environment, timeout: timeout,
        terminationGrace: Self.terminationGracePeriod, outputLimit: Self.outputLimit)
    } catch  where error.code == .notAChild {
      // Another reaper (a `waitpid(-1)`) took the exit status.
      return .failed(message: "exit status unavailable")
    } catch {
      return .failed(message: "cannot run \(executable): \(error.message)")
    }
    switch output.interruption {
    case .cancelled: return .failed(message: "cancelled")
    case .timedOut: return .timedOut(after: timeout)
    case nil: break
    }
    let line = Self.firstLine(output.standardOutput) ?? Self.firstLine(output.standardError)
    switch output.exit {
    case .exited(0): return .answered(version: line ?? "")
    case .exited(let code):
      return .failed(message: "exited with status \(code)" + (line.map { ": \($0)" } ?? ""))
    case .signaled(let signal):
      return .failed(message: "killed by signal \(signal)" + (line.map { ": \($0)" } ?? ""))
    }
  }

  private static func firstLine(_ bytes: [UInt8]) -> String? {
    let text = String(decoding: bytes, as: UTF8.self)
    for line in text.split(whereSeparator: \.isNewline) {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if !trimmed.isEmpty { return String(trimmed.prefix(200)) }
    }
    return nil
  }
}

/// Where a provider's CLI is installed, and its version when it was asked.
public struct ProviderInstallation: Sendable, Hashable {
  /// The provider name.
  public var name: String
  /// The absolute path of the executable, or `nil` when not installed.
  public var path: String?
  /// The outcome of the version probe, or `nil` when the CLI was not asked.
  public var version: VersionProbe?

  /// Creates a record.
  public init(name: String, path: String?, version: VersionProbe?) {
    self.name = name
    self.path = path
    self.version = version
  }

  /// Whether the CLI was found.
  public var isInstalled: Bool { path != nil }
}

/// The outcome of asking a CLI for its version.
public enum VersionProbe: Sendable, Hashable, CustomStringConvertible {
  /// The CLI exited 0; `version` is the first line it printed (possibly empty).
  case answered(version: String)
  /// The CLI could not be started, exited non-zero or was killed by a signal.
  case failed(message: String)
  /// The CLI did not exit within the time limit and was stopped.
  case timedOut(after: Duration)

  /// Whether the CLI answered.
  public var answered: Bool {
    if case .answered = self { return true }
    return false
  }

  /// The version line, when the CLI answered.
  public var version: String? {
    if case .answered(let version) = self { return version }
    return nil
  }

  /// `2.1.3 (Claude Code)`, `exited with status 1: …`, or `timed out after 10s`.
  public var description: String {
    switch self {
    case .answered(let version): version.isEmpty ? "(no output)" : version
    case .failed(let message): message
    case .timedOut(let limit): "timed out after \(Self.seconds(limit))"
    }
  }

  /// `10s`, `1.5s`.
  static func seconds(_ duration: Duration) -> String {
    let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    if seconds == seconds.rounded() { return "\(Int64(seconds))s" }
    return "\((seconds * 1000).rounded() / 1000)s"
  }
}
