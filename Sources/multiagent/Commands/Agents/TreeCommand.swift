import JSONKit
import MultiAgent
import ProviderKit

/// `multiagent tree [NAME]`: agents drawn under the agents that spawned them.
struct TreeCommand: ParsableCommand {
  static let all = Flag("all", short: "a", help: "Include dismissed agents.")
  static let root = Argument(
    name: "name", help: "Draw only this agent and its descendants.", arity: .optional)

  static let configuration = CommandConfiguration(
    name: "tree",
    abstract: "Show agents under the agents that spawned them, with their statuses.",
    discussion: """
      Each line is NAME (STATUS); children are drawn below their parent with ├─ and └─. Without NAME,
      every agent whose parent is not shown is a root. Dismissed agents are hidden unless --all.
      With --json, the agent's record with a "children" array of records like it (an array of such
      trees without NAME). Inside an agent, only the agents it spawned.
      Agents on hosts (spawn --host) are roots after the local trees, drawn NAME (STATUS, on HOST),
      their hosts asked now (--json: their records with "host" and an empty "children").
      """,
    options: [all],
    arguments: [root]
  )

  let includeDismissed: Bool
  let reference: String?

  init(arguments: ParsedArguments) {
    includeDismissed = arguments.isSet(Self.all)
    reference = arguments.argument(Self.root)
  }

  func run(context: CommandContext) async throws -> ExitCode {
    let manager = try context.agentManager(catalogOptional: true)
    var remote: [RemoteAgentView] = []
    if let reference, (try? manager.agent(reference)) == nil,
      let (hosts, agent) = RemoteAgentOutput.lookup(reference, context)
    {
      // An agent on a host: a root of its own (its host knows of no parent here).
      let view = await hosts.refresh(agent)
      if context.json {
        AgentOutput.writeJSON(Self.json(view), to: context.console)
      } else {
        context.console.write(Self.line(view) + "\n")
      }
      return .success
    }
    let trees = try manager.tree(reference, includeDismissed: includeDismissed)
    if reference == nil {
      remote = await RemoteAgentOutput.views(
        context, filter: AgentStore.Filter(includeDismissed: includeDismissed))
    }
    if context.json {
      if reference != nil, let tree = trees.first {
        AgentOutput.writeJSON(Self.json(tree), to: context.console)
      } else {
        AgentOutput.writeJSON(.array(trees.map(Self.json) + remote.map(Self.json)), to: context.console)
      }
      return .success
    }
    var lines: [String] = []
    for tree in trees { Self.draw(tree, prefix: "", connector: "", into: &lines) }
    lines += remote.map(Self.line)
    context.console.write(lines.isEmpty ? "no agents\n" : lines.joined(separator: "\n") + "\n")
    return .success
  }

  /// Appends `node`'s line and its children's, drawn with `├─`, `└─` and `│`.
  static func draw(
    _ node: AgentManager.TreeNode, prefix: String, connector: String, into lines: inout [String]
  ) {
    let record = node.record
    let detail = record.status.rawValue + (record.detachedFromParent ? ", detached" : "")
    lines.append(prefix + connector + "\(record.name) (\(detail))")
    let childPrefix = prefix + (connector.isEmpty ? "" : connector == "└─ " ? "   " : "│  ")
    for (index, child) in node.children.enumerated() {
      draw(
        child, prefix: childPrefix, connector: index == node.children.count - 1 ? "└─ " : "├─ ", into: &lines)
    }
  }

  /// A remote agent's line: `NAME (STATUS, on HOST)`.
  static func line(_ view: RemoteAgentView) -> String {
    "\(view.agent.name) (\(view.displayStatus), on \(view.agent.host))"
  }

  /// A remote agent as a tree: its record (with `host`) and no children.
  static func json(_ view: RemoteAgentView) -> JSONValue {
    guard case .object(var object) = view.jsonValue else { return view.jsonValue }
    object["children"] = .array([])
    let members = zip(object.keys, object.values).sorted { $0.0 < $1.0 }
    return .object(JSONObject(keys: members.map(\.0), values: members.map(\.1)))
  }

  /// The node as its record's JSON with a `children` array (keys in sorted order).
  static func json(_ node: AgentManager.TreeNode) -> JSONValue {
    guard case .object(let object) = node.record.jsonValue else { return node.record.jsonValue }
    var pairs = Array(zip(object.keys, object.values))
    pairs.append(("children", .array(node.children.map(json))))
    pairs.sort { $0.0 < $1.0 }
    return .object(JSONObject(keys: pairs.map(\.0), values: pairs.map(\.1)))
  }
}
