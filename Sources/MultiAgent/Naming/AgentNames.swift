/// Agent names: readable adjective-animal names, or the user's `--name`, validated.
public enum AgentNames {
  static let adjectives = [
    "amber", "bold", "brave", "bright", "calm", "clever", "cosmic", "crisp", "daring", "eager", "fancy",
    "fierce",
    "gentle", "golden", "happy", "humble", "jolly", "keen", "lively", "lucky", "mellow", "merry", "mighty",
    "nimble", "noble", "plucky", "proud", "quick", "quiet", "rapid", "rustic", "shiny", "silent", "snappy",
    "steady", "sunny", "swift", "tidy", "vivid", "witty", "zesty",
  ]
  static let animals = [
    "otter", "falcon", "badger", "heron", "lynx", "panda", "koala", "beaver", "bison", "crane", "dingo",
    "eagle",
    "ferret", "gecko", "ibis", "jackal", "kiwi", "lemur", "marmot", "newt", "ocelot", "owl", "puffin",
    "quail",
    "raven", "seal", "tapir", "urchin", "vole", "walrus", "yak", "zebra", "fox", "wolf", "hare", "moose",
    "orca",
  ]

  /// Whether `name` is valid: ``isWellFormed(_:)``, and not shaped like an agent id (16 hexadecimal
  /// digits): commands take an id or a name, the id first, so a name that could be another agent's id
  /// would let `delete NAME` reach that agent instead.
  public static func isValid(_ name: String) -> Bool {
    isWellFormed(name) && !looksLikeID(Array(name.utf8))
  }

  /// Whether `name` is `[a-z0-9][a-z0-9-]{0,62}` (host names follow this rule too).
  static func isWellFormed(_ name: String) -> Bool {
    let bytes = Array(name.utf8)
    guard (1...63).contains(bytes.count) else { return false }
    func allowed(_ byte: UInt8) -> Bool { (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) }
    return allowed(bytes[0]) && bytes.dropFirst().allSatisfy { allowed($0) || $0 == UInt8(ascii: "-") }
  }

  /// Why `name` is invalid, as a sentence, or `nil` when it is valid.
  public static func problem(with name: String) -> String? {
    if isValid(name) { return nil }
    if looksLikeID(Array(name.utf8)) {
      return "invalid agent name \"\(name)\": 16 hexadecimal digits is the form of an agent id, and "
        + "commands look an id up before a name; add a letter or a - (e.g. task-\(name.prefix(6)))"
    }
    return "invalid agent name \"\(name.prefix(80))\": use 1–63 lowercase letters, digits and -, starting "
      + "with a letter or digit (e.g. fix-flaky-test)"
  }

  /// Whether `bytes` has the form of an agent id (``AgentRecord/newID()``): 16 lowercase hex digits.
  private static func looksLikeID(_ bytes: [UInt8]) -> Bool {
    bytes.count == 16
      && bytes.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
  }

  /// A fresh adjective-animal name not in `taken`, with a numeric suffix when needed.
  public static func generate(avoiding taken: (String) -> Bool) -> String {
    for attempt in 0..<200 {
      let name = "\(adjectives.randomElement()!)-\(animals.randomElement()!)"
      let candidate = attempt < 50 ? name : "\(name)-\(Int.random(in: 2...9999))"
      if !taken(candidate) { return candidate }
    }
    return "agent-\(UInt32.random(in: 0...UInt32.max))"
  }
}
