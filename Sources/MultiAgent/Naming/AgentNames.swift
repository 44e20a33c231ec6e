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

  /// Whether `name` is valid: `[a-z0-9][a-z0-9-]{0,62}`.
  public static func isValid(_ name: String) -> Bool {
    let bytes = Array(name.utf8)
    guard (1...63).contains(bytes.count) else { return false }
    func allowed(_ byte: UInt8) -> Bool { (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) }
    return allowed(bytes[0]) && bytes.dropFirst().allSatisfy { allowed($0) || $0 == UInt8(ascii: "-") }
  }

  /// Why `name` is invalid, as a sentence, or `nil` when it is valid.
  public static func problem(with name: String) -> String? {
    if isValid(name) { return nil }
    return "invalid agent name \"\(name.prefix(80))\": use 1–63 lowercase letters, digits and -, starting "
      + "with a letter or digit (e.g. fix-flaky-test)"
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
