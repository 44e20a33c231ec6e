/// The version of multiagent, printed by `multiagent --version`. The one place it is defined.
enum MultiAgentVersion {
  /// The version string (semantic versioning).
  static let current = "0.1.0"
}
