import Foundation

/// This program playing the tally agent CLI: `embedding-demo fake-cli [--session ID | --resume ID] PROMPT`.
///
/// It stands in for a real agent CLI and speaks the tally dialect (see `TallyParser`). An account
/// whose key is `spent` has hit its usage limit; a first turn asks a question; a resumed turn that
/// brings answers finishes with a result.
enum FakeTallyCLI {
  static func run(_ arguments: [String]) -> Int32 {
    if arguments == ["--version"] {
      print("tally 1.0.0 (example)")
      return 0
    }
    var session: String?
    var resumed = false
    var words = arguments[...]
    while let word = words.first, word == "--session" || word == "--resume", words.count >= 2 {
      session = words.dropFirst().first
      resumed = word == "--resume"
      words = words.dropFirst(2)
    }
    let prompt = words.joined(separator: " ")
    let environment = ProcessInfo.processInfo.environment
    let id = session ?? UUID().uuidString.lowercased()
    print("@session \(id)")
    if environment["TALLY_API_KEY"] == "spent" {
      print("@limit \(Int(Date().timeIntervalSince1970) + 3600)")
      return 1
    }
    // A resume that brings answers finishes; a first turn (or a continuation after a limit) asks.
    if resumed && !prompt.contains("usage limit") {
      print("@say thanks, the answers are in")
      print("@result greeted the user as asked")
      return 0
    }
    let task = prompt.split(separator: "\n").first.map(String.init) ?? prompt
    print("@say working on: \(task)")
    print("@ask q1 Which greeting should I use? | hello | good morning")
    return 0
  }
}
