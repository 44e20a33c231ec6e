import Foundation
import ProcessKit

/// Where the library reports what it cannot return: a failure it recovered from or worked around
/// (an event that could not be stored, an account that could not be read, a queue start that will
/// be retried), and what a supervisor decided. In the spirit of swift-log: the library accepts a
/// logger and never prints; the embedder decides where lines go.
///
/// Messages never carry secrets (tokens, keys and credential files stay out of them).
public protocol AgentLogger: Sendable {
  /// Reports one line.
  ///
  /// - Parameters:
  ///   - level: how much it matters.
  ///   - message: what happened, for people.
  ///   - metadata: structured facts (`agent`, `account`, `error`, …).
  func log(level: AgentLogLevel, message: String, metadata: [String: String])
}

/// How much a log line matters.
public enum AgentLogLevel: Int, Sendable, Hashable, Comparable, CaseIterable, CustomStringConvertible {
  /// What a supervisor decided, step by step.
  case debug
  /// Something worth knowing (an account switched, a queued agent started).
  case info
  /// A failure the library recovered from (an event it could not store, a retry left to later).
  case warning
  /// A failure that cost something (an agent settled as failed because state could not be written).
  case error

  /// Orders levels by how much they matter.
  public static func < (lhs: AgentLogLevel, rhs: AgentLogLevel) -> Bool { lhs.rawValue < rhs.rawValue }

  /// `debug`, `info`, `warning` or `error`.
  public var description: String {
    switch self {
    case .debug: "debug"
    case .info: "info"
    case .warning: "warning"
    case .error: "error"
    }
  }

  /// The level called `name` (`debug`, `info`, `warning`, `error`), if any.
  public init?(name: String) {
    guard let level = Self.allCases.first(where: { $0.description == name.lowercased() }) else { return nil }
    self = level
  }
}

/// A logger that drops everything: the default, so a library user who gives none sees nothing.
public struct SilentLogger: AgentLogger {
  /// Creates the logger.
  public init() {}

  /// Drops the line.
  public func log(level: AgentLogLevel, message: String, metadata: [String: String]) {}
}

/// A logger that writes lines at or above a level to standard error, as
/// `multiagent: warning: message (key=value …)`.
public struct StandardErrorLogger: AgentLogger {
  /// The lowest level written.
  public let minimumLevel: AgentLogLevel

  /// Creates the logger.
  public init(minimumLevel: AgentLogLevel = .warning) {
    self.minimumLevel = minimumLevel
  }

  /// Writes the line when its level is high enough.
  public func log(level: AgentLogLevel, message: String, metadata: [String: String]) {
    guard level >= minimumLevel else { return }
    var line = "multiagent: \(level): \(message)"
    if !metadata.isEmpty {
      line +=
        " (" + metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        + ")"
    }
    StandardError.write(line + "\n")
  }
}

extension AgentLogger {
  /// Reports a failure that was recovered from, with the error in the metadata.
  func warning(_ message: String, agent: String? = nil, error: (any Error)? = nil) {
    var metadata: [String: String] = [:]
    if let agent { metadata["agent"] = agent }
    if let error { metadata["error"] = "\(error)" }
    log(level: .warning, message: message, metadata: metadata)
  }

  /// Reports a supervisor's step.
  func debug(_ message: String, agent: String) {
    log(level: .debug, message: message, metadata: ["agent": agent])
  }

  /// Runs `body`, reporting (not throwing) its failure: for the writes whose failure must not stop
  /// what the caller is doing (an informational event, a best-effort cleanup).
  @discardableResult
  func attempt<T>(_ what: @autoclosure () -> String, agent: String? = nil, _ body: () throws -> T) -> T? {
    do { return try body() } catch {
      warning("could not \(what())", agent: agent, error: error)
      return nil
    }
  }
}
