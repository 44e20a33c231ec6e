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
    let manager = try context.agentManager()
    let trees = try manager.tree(reference, includeDismissed: includeDismissed)
    if context.json {
      if reference != nil, let tree = trees.first {
        AgentOutput.writeJSON(Self.json(tree), to: context.console)
      } else {
        AgentOutput.writeJSON(.array(trees.map(Self.json)), to: context.console)
      }
      return .success
    }
    var lines: [String] = []
    for tree in trees { Self.draw(tree, prefix: "", connector: "", into: &lines) }
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

  /// The node as its record's JSON with a `children` array (keys in sorted order).
  static func json(_ node: AgentManager.TreeNode) -> JSONValue {
    guard case .object(let object) = node.record.jsonValue else { return node.record.jsonValue }
    var pairs = Array(zip(object.keys, object.values))
    pairs.append(("children", .array(node.children.map(json))))
    pairs.sort { $0.0 < $1.0 }
    return .object(JSONObject(keys: pairs.map(\.0), values: pairs.map(\.1)))
  }
}
