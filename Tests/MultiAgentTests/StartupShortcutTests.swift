import Foundation
import Testing

@testable import MultiAgent

/// The shortcuts a short command takes around Foundation give Foundation's answers.
@Suite struct StartupShortcutTests {
  static let texts = [
    "", " ", "\n", " \t\r\n\u{0B}\u{0C}", "Say OK.", " Say OK. ", "\nSay\nOK.\n", "tok-123\n", "a",
    " a ", "\u{A0}a\u{A0}", "\u{85}a", "a\u{2028}", "\u{3000}a b\u{200B}", " \u{1680}x", "é", " é ", "x é",
    "\u{2029}", " \u{FEFF}x\u{FEFF} ", "日本 ", "\t👍🏽\t", "\r\n\r\n", "a\u{0}", "\u{0}",
  ]

  @Test(arguments: texts)
  func trimmingGivesFoundationsAnswer(_ text: String) {
    #expect(text.trimmedOfWhitespaceAndNewlines == text.trimmingCharacters(in: .whitespacesAndNewlines))
  }

  static let paths = [
    "/", "/a", "/a/b", "/a/b/", "/a//b", "//a", "/a/./b", "/a/../b", "/a/b/..", "/a/b/.", "/.", "/..",
    "/a/.b", "/a/..b", "/a/b..", "/tmp/multiagent home/x", "/tmp/%41/x", "/tmp/a?b#c;d", "/tmp/é/日本",
    "/home/u/.multiagent", "/a/b/../../..", "/a/./", "/...",
  ]

  @Test(arguments: paths)
  func standardizingGivesURLsAnswer(_ path: String) {
    #expect(StateHome.standardized(path) == URL(fileURLWithPath: path).standardizedFileURL.path)
  }
}
