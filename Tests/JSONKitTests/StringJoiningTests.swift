import Testing

@testable import JSONKit

/// `joined(by:)`, written for `[String]` to spare a runtime conformance lookup, joins as the
/// standard library's `joined(separator:)` does.
@Suite struct StringJoiningTests {
  @Test(arguments: [[], [""], ["a"], ["a", "b"], ["", ""], ["a", "", "c"], ["é", "🙂", "x y"]])
  func joinsAsTheStandardLibraryDoes(_ strings: [String]) {
    for separator in ["", ", ", " AND ", "🙂"] {
      #expect(strings.joined(by: separator) == strings.joined(separator: separator))
    }
  }
}
