import Foundation

/// One coding-agent CLI: how to spawn it, resume it and read its output.
///
/// The built-in providers and those a user adds in providers.json are ``CatalogProvider``s, built
/// entirely from their ``ProviderDefinition``. A library user can conform their own type to add a
/// CLI whose command line needs code rather than data, and register it with ``ProviderRegistry``.
public protocol AgentProvider: Sendable {
  /// The definition: binary, flags, resume style, config-dir variable, credential layout, …
  var definition: ProviderDefinition { get }

  /// The command for a fresh run.
  ///
  /// - Parameters:
  ///   - request: the prompt, directory, model, extra arguments and environment.
  ///   - sessionID: for providers that pin the session id up front, the id to pin; ignored otherwise.
  /// - Returns: the command; its ``CommandSpec/sessionID`` is the pinned id, if any.
  /// - Throws: ``ProviderError`` when the request cannot be expressed for this CLI: code
  ///   ``ProviderError/Code/promptTooLong`` for a prompt too long for one argument that the CLI
  ///   cannot take another way (see ``LongPromptDelivery``).
  func spawnCommand(for request: CommandRequest, sessionID: String?) throws(ProviderError) -> CommandSpec

  /// The command that resumes session `sessionID` with `request.prompt` as the next user message.
  ///
  /// - Throws: ``ProviderError`` with code ``ProviderError/Code/resumeUnsupported`` when the CLI's
  ///   resume style is ``ResumeStyle/none``, ``ProviderError/Code/promptTooLong`` as for a fresh run.
  func resumeCommand(for request: CommandRequest, sessionID: String) throws(ProviderError) -> CommandSpec

  /// A fresh parser for one run's output.
  func makeParser(context: ParserContext) -> any OutputParser
}

extension AgentProvider {
  /// The provider's name.
  public var name: String { definition.name }

  /// A new session id for providers that pin it up front (a lowercase UUID, with or without its
  /// dashes as ``SessionIDRule/format`` says), else `nil`.
  public func newPinnedSessionID() -> String? {
    guard definition.sessionID.source == .pinned else { return nil }
    let id = UUID().uuidString.lowercased()
    switch definition.sessionID.format {
    case .uuid: return id
    case .hex: return id.replacingOccurrences(of: "-", with: "")
    }
  }

  /// Builds a fresh-run command from the definition alone.
  public func spawnCommandFromDefinition(
    for request: CommandRequest, sessionID: String?
  ) throws(ProviderError) -> CommandSpec {
    var pinned: String?
    var sessionArguments: [String] = []
    if definition.sessionID.source == .pinned, let flag = definition.sessionID.flag {
      guard let sessionID else {
        throw ProviderError(
          .missingSessionID, "provider \(definition.name) pins its session id up front; pass one")
      }
      try Self.validateSessionID(sessionID)
      pinned = sessionID
      sessionArguments = Self.flagArguments(flag, sessionID)
    }
    return try buildCommand(request, sessionArguments: sessionArguments, sessionID: pinned)
  }

  /// Builds a resume command from the definition alone.
  public func resumeCommandFromDefinition(
    for request: CommandRequest, sessionID: String
  ) throws(ProviderError) -> CommandSpec {
    try Self.validateSessionID(sessionID)
    let resumeArguments: [String]
    switch definition.resume {
    case .none:
      throw ProviderError(
        .resumeUnsupported,
        "provider \(definition.name) cannot resume a session (its resume style is none); "
          + "start a new agent instead, or set a resume style for it in providers.json")
    case .flag(let flag): resumeArguments = Self.flagArguments(flag, sessionID)
    case .subcommand(let words): resumeArguments = words + [sessionID]
    }
    return try buildCommand(request, sessionArguments: resumeArguments, sessionID: sessionID)
  }

  private func buildCommand(
    _ request: CommandRequest, sessionArguments: [String], sessionID: String?
  ) throws(ProviderError) -> CommandSpec {
    var arguments: [String] = []
    if case .subcommand(let words) = definition.prompt { arguments += words }
    arguments += definition.arguments
    if let model = request.model, !model.isEmpty, let flag = definition.modelFlag {
      arguments += [flag, model]
    }
    arguments += request.extraArguments
    arguments += sessionArguments
    if let live = definition.liveInput { arguments += live.arguments }
    var promptArgument: String?
    var input = CommandSpec.StandardInput.live(.claudeStreamJSON, prompt: request.prompt)
    if let live = definition.liveInput {
      input = .live(live, prompt: request.prompt)
    } else {
      (promptArgument, input) = try promptPlacement(request.prompt)
    }
    if let promptArgument {
      switch definition.prompt {
      case .positional, .subcommand: arguments.append(promptArgument)
      case .flag(let flag): arguments += [flag, promptArgument]
      case .stdin: break
      }
    }

    var environment = definition.environment
    if request.runningAsRoot { environment.merge(definition.rootEnvironment) { _, new in new } }
    if let directory = request.configDirectory, let config = definition.configDirectory {
      environment[config.environmentVariable] = directory
    }
    environment.merge(request.environment) { _, new in new }
    var unset: [String] = []
    for name in definition.unsetEnvironment + request.unsetEnvironment
    where environment[name] == nil && !unset.contains(name) {
      unset.append(name)
    }
    return CommandSpec(
      executable: definition.binary, arguments: arguments, environment: environment,
      unsetEnvironment: unset, workingDirectory: request.workingDirectory, standardInput: input,
      sessionID: sessionID)
  }

  /// Where `prompt` goes: what stands for it in argv (`nil`: nothing) and what standard input
  /// carries. A prompt too long for one argument goes the definition's ``ProviderDefinition/longPrompt``
  /// way, or is refused.
  private func promptPlacement(_ prompt: String) throws(ProviderError) -> (
    argument: String?, input: CommandSpec.StandardInput
  ) {
    if case .stdin = definition.prompt { return (nil, .text(prompt)) }
    let size = prompt.utf8.count
    if size > LongPromptDelivery.argumentLimit {
      guard case .stdin(let argument) = definition.longPrompt else {
        throw ProviderError(
          .promptTooLong,
          "the prompt is \(size) bytes, over the limit of \(LongPromptDelivery.argumentLimit) bytes for a "
            + "command-line argument, and provider \(definition.name) takes its prompt only as an argument")
      }
      return (argument, .text(prompt))
    }
    // A prompt that begins with "-" would be read as an option; a leading space keeps it text.
    return (prompt.hasPrefix("-") ? " " + prompt : prompt, .null)
  }

  private static func flagArguments(_ flag: String, _ value: String) -> [String] {
    flag.hasSuffix("=") ? [flag + value] : [flag, value]
  }

  /// Session ids go into argv: they must look like ids, never like options or paths.
  static func validateSessionID(_ id: String) throws(ProviderError) {
    let allowed = id.utf8.allSatisfy { byte in
      switch byte {
      case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
        true
      default: false
      }
    }
    guard !id.isEmpty, id.utf8.count <= 200, allowed, !id.hasPrefix("-"), !id.hasPrefix(".") else {
      throw ProviderError(.invalidSessionID, "invalid session id \"\(id.prefix(80))\"")
    }
  }
}

/// A provider described entirely by its ``ProviderDefinition`` and an output parser factory.
public struct CatalogProvider: AgentProvider {
  /// The definition.
  public let definition: ProviderDefinition
  private let parserFactory: OutputParserFactory

  /// Creates a provider from a definition and the parser factory for its dialect.
  public init(definition: ProviderDefinition, parserFactory: @escaping OutputParserFactory) {
    self.definition = definition
    self.parserFactory = parserFactory
  }

  /// See ``AgentProvider/spawnCommand(for:sessionID:)``.
  public func spawnCommand(for request: CommandRequest, sessionID: String?) throws(ProviderError)
    -> CommandSpec
  {
    try spawnCommandFromDefinition(for: request, sessionID: sessionID)
  }

  /// See ``AgentProvider/resumeCommand(for:sessionID:)``.
  public func resumeCommand(for request: CommandRequest, sessionID: String) throws(ProviderError)
    -> CommandSpec
  {
    try resumeCommandFromDefinition(for: request, sessionID: sessionID)
  }

  /// See ``AgentProvider/makeParser(context:)``; the context gets the definition's exhaustion rules.
  public func makeParser(context: ParserContext) -> any OutputParser {
    var context = context
    context.exhaustionRules = definition.exhaustion + context.exhaustionRules
    return parserFactory(context)
  }
}
