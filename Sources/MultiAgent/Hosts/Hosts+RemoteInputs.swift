#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// How `spawn --host --input` sends input files: each is checked here as a local spawn checks it,
/// then sent over the host's SSH connection — its bytes on standard input, one file per call, its
/// name and size as quoted arguments of a fixed script (``RemoteScripts/stageInput``) — into a
/// private staging folder on the host. The host's own `spawn` gets `--input` for each staged file,
/// checks and copies them into the agent's inputs as it would its own, and the script that runs it
/// removes the folder however it ends.
enum RemoteInputs {
  /// Why `name` cannot be the name of a staged file (empty, `.`, `..`, with a `/` or a NUL, so it
  /// could leave the staging folder or not reach the host), or nil when it can.
  static func problem(with name: String) -> String? {
    if name.isEmpty { return "an input file needs a name" }
    if name == "." || name == ".." || name.contains("/") {
      return "input name \(name) would leave the folder it is copied to"
    }
    if name.utf8.contains(0) { return "input name \(name) has a NUL byte" }
    return nil
  }

  /// Whether `path` is what ``RemoteScripts/makeStaging`` prints: a folder `in.XXXXXXXX` of
  /// ``RemoteScripts/staging``, relative to the remote home.
  static func isStagingFolder(_ path: String) -> Bool {
    let prefix = RemoteScripts.staging + "/in."
    guard path.hasPrefix(prefix) else { return false }
    let suffix = path.dropFirst(prefix.count)
    return !suffix.isEmpty
      && suffix.unicodeScalars.allSatisfy {
        $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))
      }
  }

  /// The host's `spawn` arguments for files staged in `folder`: `--input FOLDER/NAME` for each, in
  /// the order given (relative to the remote home, where the host's multiagent starts).
  static func inputArguments(_ names: [String], in folder: String) -> [String] {
    names.flatMap { ["--input", folder + "/" + $0] }
  }
}

extension RemoteSpawnRequest {
  /// Checks ``inputFiles`` exactly as a local spawn checks `--input` — each must be a regular file
  /// or a link to one; never opened — before anything is sent to a host.
  ///
  /// - Throws: `AgentError` (`invalidPath`), with a local spawn's message.
  public func checkInputs() throws(AgentError) {
    _ = try checkedInputs()
  }

  /// ``inputFiles``, checked (see ``checkInputs()``), with the names their copies get.
  func checkedInputs() throws(AgentError) -> [InputFile] {
    let inputs = try inputFiles.map { file throws(AgentError) in try InputFile(checking: file) }
    for input in inputs {
      if let problem = RemoteInputs.problem(with: input.name) {
        throw AgentError(.invalidPath, problem, facts: ["field": "input"])
      }
    }
    return inputs
  }
}

extension Hosts {
  /// Sends `inputs` to `host` into a new private staging folder there (see ``RemoteInputs``).
  /// Each file is read again when it is sent (a FIFO swapped in since the check is refused) and
  /// its size checked on the host. On failure the folder is removed.
  ///
  /// - Returns: the folder, relative to the remote home.
  /// - Throws: `AgentError` (`invalidPath`: a file changed since the check), ``HostError``.
  func stageInputs(_ inputs: [InputFile], on host: RemoteHost, timeout: Duration) async throws -> String {
    let output = try await runScript(RemoteScripts.makeStaging, [], on: host, timeout: timeout)
    let folder = output.trimmingCharacters(in: .whitespacesAndNewlines)
    guard RemoteInputs.isStagingFolder(folder) else {
      throw HostError(
        .remoteFailed, host: host.name,
        "host \(host.name) made no staging folder for the inputs: \(folder.prefix(200))")
    }
    do {
      for input in inputs { try await sendInput(input, to: folder, on: host, timeout: timeout) }
    } catch {
      await removeStaging(folder, on: host)
      throw error
    }
    return folder
  }

  /// Sends one input file into the staging folder `folder` on `host`.
  private func sendInput(_ input: InputFile, to folder: String, on host: RemoteHost, timeout: Duration)
    async throws
  {
    let bytes = try input.contents()
    let output = try await ssh.run(
      host,
      remoteCommand: ShellQuoting.shellScript(
        RemoteScripts.stageInput, arguments: [folder, input.name, String(bytes.count)]),
      input: bytes, timeout: timeout + .seconds(Int64(bytes.count / 1_000_000)))
    guard output.exit == .exited(0) else {
      throw HostError(
        .remoteFailed, host: host.name,
        "on host \(host.name): cannot stage input file \(input.name): "
          + Self.remoteMessage(output.standardErrorText))
    }
  }

  /// Removes the staging folder `folder` on `host`, if it is still there; a failure is ignored
  /// (a folder left behind is removed by a later spawn's ``RemoteScripts/makeStaging`` after 12 hours).
  func removeStaging(_ folder: String, on host: RemoteHost) async {
    _ = try? await runScript(RemoteScripts.removeStaging, [folder], on: host, timeout: .seconds(10))
  }
}
