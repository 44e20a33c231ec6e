import MultiAgent

#if canImport(Glibc)
  import Glibc
#endif

extension CommandContext {
  /// Whether the environment names an agent (`MULTIAGENT_AGENT_ID` or `MULTIAGENT_TOKEN` set).
  var carriesAgentIdentity: Bool {
    [Authority.agentIDVariable, Authority.tokenVariable].contains { !(environment[$0] ?? "").isEmpty }
  }

  /// Refuses every agent identity, valid or not: for what is the user's alone (accounts). Nothing is
  /// read or written first.
  ///
  /// - Throws: ``AgentError/Code/forbidden`` (exit 77) inside an agent or with any token.
  func requireUserAuthority(for what: String) throws(AgentError) {
    guard carriesAgentIdentity else { return }
    throw AgentError(
      .forbidden,
      "\(what) belong to the user alone; commands run inside an agent (or with a token) may not use them")
  }

  /// Checks the agent identity the environment carries, if any, for commands that need no agent
  /// manager (`providers …`): a wrong token never falls back to the user's authority. A home that
  /// does not exist is not created.
  ///
  /// - Throws: ``AgentError/Code/forbidden`` (exit 77) for an identity that does not check out.
  func checkAuthority() throws(AgentError) {
    guard carriesAgentIdentity else { return }
    let store: AgentStore
    do {
      guard !home.storeIsLocalFile || FileSystemProbe.isRegularFile(home.database) else {
        throw AgentError(.forbidden, "")
      }
      store = try AgentStore(home: home)
    } catch {
      throw AgentError(
        .forbidden,
        "\(Authority.tokenVariable) is not the token of agent "
          + "\((environment[Authority.agentIDVariable] ?? "").prefix(80)) (\(Authority.agentIDVariable))")
    }
    _ = try Authority.resolve(environment: environment, store: store)
  }
}

/// A file check that never follows the path into anything but a regular file.
enum FileSystemProbe {
  /// Whether `path` is a regular file (not a symlink, not missing).
  static func isRegularFile(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
  }
}
