import Foundation
import ProviderKit

/// A spawn whose every input was checked: what ``AgentManager/spawn(_:maxRunning:supervisor:)``
/// records and prepares once nothing can be wrong any more.
struct SpawnPlan {
  /// The options, with the parent the authority implies.
  var options: SpawnOptions
  var provider: any AgentProvider
  /// The prompt without surrounding whitespace (never empty).
  var prompt: String
  /// The account `--account` named, if any.
  var accountID: String?
  /// The absolute working directory.
  var cwd: String
  /// The input files, absolute.
  var inputs: [String]
  /// The repository whose worktree the agent gets, and the commit it starts from.
  var repository: String?
  var baseCommit: String?
  /// The spawn's own global limit (`--max-running`).
  var maxRunning: Int?
  /// Whether limits apply, so that the agent is recorded as queued.
  var scheduled: Bool
}

extension AgentManager {
  /// Checks everything a spawn needs before anything is created: the parent and authority, the
  /// provider and its installed CLI, the prompt, the name, the account, the paths, the repository
  /// and base, and the limits.
  func validate(_ options: SpawnOptions, maxRunning: Int?) throws(AgentError) -> SpawnPlan {
    let options = try withParent(options)
    let provider: any AgentProvider
    do { provider = try registry.provider(named: options.provider) } catch {
      throw AgentError(.unknownProvider, error.message, underlying: error)
    }
    let prompt = options.prompt.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !prompt.isEmpty else {
      throw AgentError(.missingPrompt, "the prompt is empty; say what the agent should do")
    }
    if let name = options.name, let problem = AgentNames.problem(with: name) {
      throw AgentError(.invalidName, problem)
    }
    var environment = ProcessEnvironment.current
    environment.merge(provider.definition.environment) { _, new in new }
    guard ProviderInspector(environment: environment).locate(provider.definition) != nil else {
      throw AgentError(
        .binaryNotFound,
        "\(provider.definition.binary) (the \(provider.name) CLI) is not on PATH; install it, or set "
          + "\"binary\" for \(provider.name) in \(home.providersFile)")
    }
    let accountID = try options.account.map { reference throws(AgentError) in
      try AccountBroker(home: home, sharing: store).resolve(reference, provider: provider.name).id
    }
    let cwd = FileSystem.absolute(options.cwd ?? FileSystem.currentDirectory)
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: cwd, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw AgentError(.invalidPath, "--cwd \(cwd) is not a directory")
    }
    let inputs = try options.inputFiles.map { file throws(AgentError) in try Self.inputFile(file) }
    var repository: String?
    var baseCommit: String?
    if options.useWorktree {
      let worktrees = Worktrees()
      do {
        let root = try worktrees.repositoryRoot(containing: cwd)
        repository = root
        baseCommit = try worktrees.resolveCommit(options.base ?? "HEAD", in: root)
      } catch { throw AgentError(.worktree, error.message, underlying: error) }
    }
    let limits = try schedulingLimits()
    if let maxRunning, maxRunning < 1 {
      throw AgentError(.invalidState, "--max-running must be at least 1")
    }
    return SpawnPlan(
      options: options, provider: provider, prompt: prompt, accountID: accountID, cwd: cwd, inputs: inputs,
      repository: repository, baseCommit: baseCommit, maxRunning: maxRunning,
      scheduled: maxRunning != nil || !limits.isUnlimited)
  }

  /// The options with the parent set by the authority (an agent spawns its own children only),
  /// checked to exist and still be alive.
  private func withParent(_ options: SpawnOptions) throws(AgentError) -> SpawnOptions {
    var options = options
    if let agentID = authority.agentID {
      if let parentID = options.parentID, parentID != agentID {
        throw AgentError(
          .forbidden, "an agent can spawn only its own children, not children of another agent")
      }
      options.parentID = agentID
    }
    if options.detachFromParent && options.parentID == nil {
      throw AgentError(
        .invalidState, "--detach-from-parent needs a parent (--parent, or spawn from inside an agent)")
    }
    if let parentID = options.parentID {
      let parent = try storeCall { try store.agent(id: parentID) }
      guard let parent else {
        throw AgentError(.notFound, "parent agent \(parentID.prefix(80)) does not exist")
      }
      guard !parent.status.isTerminal else {
        throw AgentError(
          .invalidState,
          "parent agent \(parent.name) is \(parent.status.rawValue); a finished agent cannot get children")
      }
    }
    return options
  }

  /// An input file, absolute, checked to be a file.
  private static func inputFile(_ file: String) throws(AgentError) -> String {
    let path = FileSystem.absolute(file)
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue
    else {
      throw AgentError(.invalidPath, "input file \(file) does not exist or is not a file")
    }
    return path
  }
}
