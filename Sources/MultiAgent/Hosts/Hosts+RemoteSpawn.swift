import Credentials
import JSONKit
import ProcessKit

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// What `spawn --host` asks of a host: the options of `spawn` that travel there.
public struct RemoteSpawnRequest: Sendable {
  /// The provider, as the host's multiagent knows it.
  public var provider: String
  /// The task; it reaches the host on the SSH connection's standard input, never in argv.
  public var prompt: String
  /// The agent's name (nil: a generated one).
  public var name: String?
  /// A directory in the local repository whose commit the agent starts from (nil: the current one).
  public var cwd: String?
  /// The commit the branch starts from (nil: HEAD).
  public var base: String?
  /// The model, for providers with a model flag.
  public var model: String?
  /// Extra arguments for the provider's CLI.
  public var extraArguments: [String]
  /// A task id of the caller's.
  public var taskID: String?
  /// The controller's account to lend the host for this agent (an id or label); nil: the least
  /// recently used free one, when the controller has accounts of the provider.
  public var account: String?
  /// With ``account``: rotate to other accounts when it is exhausted (without one, the agent
  /// always rotates).
  public var rotate: Bool
  /// The providers the agent continues on there when its own cannot go on (`--fallback`); `[]`
  /// for none (`--no-fallback`); nil for the host's default.
  public var fallback: [String]?
  /// The host's limit on running agents for this spawn (`--max-running`); nil for the host's.
  public var maxRunning: Int?
  /// Context files here (`--input`) to copy into the agent's inputs there: checked here as a local
  /// spawn checks them, before anything is sent (see ``checkInputs()``), then sent over the host's
  /// SSH connection to a private staging folder that the host's `spawn` takes them from.
  public var inputFiles: [String] = []

  /// Creates a request.
  public init(
    provider: String, prompt: String, name: String? = nil, cwd: String? = nil, base: String? = nil,
    model: String? = nil, extraArguments: [String] = [], taskID: String? = nil, account: String? = nil,
    rotate: Bool = false
  ) {
    self.provider = provider
    self.prompt = prompt
    self.name = name
    self.cwd = cwd
    self.base = base
    self.model = model
    self.extraArguments = extraArguments
    self.taskID = taskID
    self.account = account
    self.rotate = rotate
  }

  /// The arguments of the host's `spawn` for ``fallback`` and ``maxRunning``.
  var limitArguments: [String] {
    var arguments: [String] = []
    if let fallback {
      arguments += fallback.isEmpty ? ["--no-fallback"] : ["--fallback", fallback.joined(separator: ",")]
    }
    if let maxRunning { arguments += ["--max-running", String(maxRunning)] }
    return arguments
  }
}

extension Hosts {
  /// Starts an agent on `host`: puts this multiagent there (`binary`, unless it reports `version`),
  /// pushes the base commit of the local repository to the host's copy of it over the host's SSH
  /// connection, and runs `spawn` there, whose supervisor runs next to the agent. The controller
  /// keeps a row pointing at it (``RemoteAgent``); the agent's stdio never comes here.
  ///
  /// When the controller has accounts of the provider, one is leased to the host before anything
  /// is sent there (a refusal needs no connection), and placed in the host's home just before the
  /// agent starts (see ``leaseForSpawn(provider:reference:on:)``). A spawn that fails before the
  /// account was placed ends its lease again.
  ///
  /// The request's input files are checked first, as a local spawn checks them; they are staged on
  /// the host just before its `spawn` runs, which copies them into the agent's inputs (see
  /// ``RemoteInputs``).
  ///
  /// - Throws: `AgentError` (`invalidName`, `nameTaken`, `invalidPath`), ``HostError`` (the host is
  ///   unreachable, the push or the remote spawn failed, `accountLeased`, `noAccount`), `StoreError`.
  public func spawnRemote(
    _ request: RemoteSpawnRequest, on host: RemoteHost, binary: String, version: String,
    timeout: Duration = .seconds(30)
  ) async throws -> RemoteAgentView {
    let inputs = try request.checkedInputs()
    let name = try remoteName(request.name)
    let lease = try leaseForSpawn(provider: request.provider, reference: request.account, on: host)
    do {
      return try await start(
        request, name: name, inputs: inputs, lease: lease, on: host, binary: binary, version: version,
        timeout: timeout)
    } catch {
      if let lease { releaseUnplaced(lease.0, host: host) }
      throw error
    }
  }

  /// The rest of ``spawnRemote(_:on:binary:version:timeout:)``, once the name and the lease are
  /// settled.
  private func start(
    _ request: RemoteSpawnRequest, name: String, inputs: [InputFile], lease: (Account, AccountLease)?,
    on host: RemoteHost, binary: String, version: String, timeout: Duration
  ) async throws -> RemoteAgentView {
    _ = try await install(on: host, binary: binary, version: version, timeout: timeout)
    let directory = FileSystem.absolute(request.cwd ?? FileSystem.currentDirectory)
    let repository = try await localGit(["rev-parse", "--show-toplevel"], in: directory, host: host)
    let base = try await localGit(
      ["rev-parse", "--verify", "--quiet", (request.base ?? "HEAD") + "^{commit}"], in: repository, host: host
    )
    let mirror = Self.mirrorPath(of: repository)
    _ = try await runScript(RemoteScripts.prepareRepository, [mirror], on: host, timeout: timeout)
    _ = try await localGit(
      ["push", "--quiet", "--force", gitURL(host, mirror), "\(base):\(Self.baseRef(name))"], in: repository,
      host: host, ssh: true)
    var arguments = [
      "--json", "spawn", "--provider", request.provider, "--name", name, "--cwd", mirror, "--base", base,
    ]
    if let model = request.model { arguments += ["--model", model] }
    for argument in request.extraArguments { arguments += ["--arg", argument] }
    if let task = request.taskID { arguments += ["--task", task] }
    arguments += request.limitArguments
    let output = try await spawnThere(
      arguments, request: request, inputs: inputs, lease: lease, on: host, timeout: timeout)
    guard let record = try? JSONParser.parse(Array(output.utf8)), let id = record["id"]?.stringValue else {
      throw HostError(.remoteFailed, host: host.name, "spawn on host \(host.name) printed no agent record")
    }
    let agent = RemoteAgent(
      name: name, host: host.name, remoteID: id, provider: request.provider, repository: repository,
      mirror: mirror, lastRecord: output, lastStatus: record["status"]?.stringValue ?? "starting",
      createdAt: Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)))
    try remoteAgents.save(agent)
    return RemoteAgentView(agent: agent, record: record, unreachable: nil)
  }

  /// Runs the host's `spawn` with `arguments`, the prompt on standard input: with the inputs staged
  /// there first (their folder removed afterwards, whatever happens) and the leased account placed.
  ///
  /// - Returns: what it printed (its `--json` record).
  private func spawnThere(
    _ arguments: [String], request: RemoteSpawnRequest, inputs: [InputFile], lease: (Account, AccountLease)?,
    on host: RemoteHost, timeout: Duration
  ) async throws -> String {
    let prompt = Array(request.prompt.utf8)
    guard !inputs.isEmpty else {
      let account = try await placeArguments(lease, request: request, on: host, timeout: timeout)
      return try await runMultiAgent(arguments + account + ["-"], on: host, input: prompt, timeout: timeout)
    }
    let folder = try await stageInputs(inputs, on: host, timeout: timeout)
    do {
      let account = try await placeArguments(lease, request: request, on: host, timeout: timeout)
      let staged = RemoteInputs.inputArguments(inputs.map(\.name), in: folder)
      return try await runScript(
        RemoteScripts.multiagentStaged, [folder] + arguments + account + staged + ["-"], on: host,
        input: prompt, timeout: timeout)
    } catch {
      // The script removes the folder when it ran; when it did not (or was cut off), this does.
      await removeStaging(folder, on: host)
      throw error
    }
  }

  /// Places the leased account, if any, on the host: the host's `spawn` arguments that run on it.
  private func placeArguments(
    _ lease: (Account, AccountLease)?, request: RemoteSpawnRequest, on host: RemoteHost, timeout: Duration
  ) async throws -> [String] {
    guard let lease else { return [] }
    let placed = try await place(lease.0, on: host, timeout: timeout)
    return ["--account", placed] + (request.account == nil || request.rotate ? ["--rotate"] : [])
  }

  /// `name` checked, or a generated one; either is free here, locally and among remote agents.
  func remoteName(_ name: String?) throws -> String {
    let taken: (String) -> Bool = { candidate in
      (try? agents.nameIsTaken(candidate)) ?? false
        || ((try? remoteAgents.agent(candidate)) ?? nil) != nil
    }
    guard let name else { return AgentNames.generate(avoiding: taken) }
    if let problem = AgentNames.problem(with: name) { throw AgentError(.invalidName, problem) }
    if taken(name) { throw AgentError(.nameTaken, "an agent named \"\(name)\" already exists") }
    return name
  }

  /// Where the host keeps its copy of `repository`: a path under the remote user's home, named
  /// after the repository's folder and a digest of its full path.
  static func mirrorPath(of repository: String) -> String {
    let folder = repository.split(separator: "/").last.map(String.init) ?? "repo"
    let safe = folder.unicodeScalars.allSatisfy {
      $0.isASCII
        && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0))
    }
    let digest = String(SHA256.hexDigest(repository).prefix(12))
    return RemoteScripts.repositories + "/" + (safe && !folder.hasPrefix(".") ? folder : "repo") + "-"
      + digest
  }

  /// The ref the agent's base commit is pushed to on the host.
  static func baseRef(_ name: String) -> String { "refs/multiagent/base/" + name }

  /// The host's copy of a repository as git's scp-like address (relative to the remote home).
  func gitURL(_ host: RemoteHost, _ path: String) -> String {
    (host.address.contains(":") ? "[\(host.address)]" : host.address) + ":" + path
  }

  /// Runs `git arguments` in `directory` here; with `ssh`, git reaches hosts through the host's
  /// shared SSH connection. Returns the first line of what it printed.
  func localGit(_ arguments: [String], in directory: String, host: RemoteHost, ssh useSSH: Bool = false)
    async throws(HostError) -> String
  {
    var environment = ssh.environment
    if useSSH {
      environment["GIT_SSH_COMMAND"] = ssh.connection(to: host, timeout: .seconds(10)).gitSSHCommand
      environment["GIT_SSH_VARIANT"] = "ssh"
    }
    let output: ProcessOutput
    do {
      output = try await ProcessRunner().run(
        "git", arguments: ["-C", directory] + arguments, environment: environment, timeout: .seconds(120),
        outputLimit: 1 << 20)
    } catch {
      throw HostError(.localFailure, host: host.name, "cannot run git: \(error)")
    }
    guard output.exit == .exited(0) else {
      let detail = output.standardErrorText.trimmingCharacters(in: .whitespacesAndNewlines).prefix(300)
      if useSSH, output.standardErrorText.contains("Could not read from remote repository") {
        throw HostError(.unreachable, host: host.name, "host \(host.name) is unreachable: \(detail)")
      }
      throw HostError(
        .localFailure, host: host.name, "git \(arguments.first ?? "") in \(directory) failed: \(detail)")
    }
    return output.standardOutputText.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
  }

  /// Runs the host's multiagent (on the host's own home) with `arguments`.
  ///
  /// - Returns: what it printed on standard output.
  /// - Throws: ``HostError``: `notInstalled`, `remoteFailed` (non-zero exit, with its error message),
  ///   or what reaching the host throws.
  func runMultiAgent(
    _ arguments: [String], on host: RemoteHost, input: [UInt8]? = nil, timeout: Duration,
    outputLimit: Int = 1 << 20
  ) async throws(HostError) -> String {
    try await runScript(
      RemoteScripts.multiagent, arguments, on: host, input: input, timeout: timeout, outputLimit: outputLimit)
  }

  /// Runs one of ``RemoteScripts`` on `host` with `arguments`; see ``runMultiAgent(_:on:input:timeout:)``.
  func runScript(
    _ script: String, _ arguments: [String], on host: RemoteHost, input: [UInt8]? = nil, timeout: Duration,
    outputLimit: Int = 1 << 20
  ) async throws(HostError) -> String {
    let output = try await ssh.run(
      host, remoteCommand: ShellQuoting.shellScript(script, arguments: arguments), input: input,
      timeout: timeout, outputLimit: outputLimit)
    switch output.exit {
    case .exited(0): return output.standardOutputText
    case .exited(127):
      throw HostError(.notInstalled, host: host.name, "multiagent is not installed on host \(host.name)")
    default:
      throw HostError(
        .remoteFailed, host: host.name,
        "on host \(host.name): " + Self.remoteMessage(output.standardErrorText))
    }
  }

  /// The message of a remote `--json` error (`{"error":{"message":…}}`), else its text, trimmed.
  static func remoteMessage(_ text: String) -> String {
    let lines = text.split(whereSeparator: \.isNewline)
    for line in lines {
      if let value = try? JSONParser.parse(String(line)),
        let message = value["error"]?["message"]?.stringValue
      {
        return message
      }
    }
    return String(text.trimmingCharacters(in: .whitespacesAndNewlines).prefix(300))
  }
}
