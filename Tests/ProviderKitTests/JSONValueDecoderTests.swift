import Foundation
import JSONKit
import ProviderKit
import Providers
import Testing

/// `JSONValueDecoder` decodes what Foundation's `JSONDecoder` decodes from the same text, and fails
/// where it fails, with the same kind of error at the same coding path.
@Suite struct JSONValueDecoderTests {
  /// Decodes `text` both ways: the two results, or the two errors.
  static func both<T: Decodable & Equatable>(_ type: T.Type, _ text: String) throws -> (
    Result<T, DecodingError>, Result<T, DecodingError>
  ) {
    func run(_ body: () throws -> T) -> Result<T, DecodingError> {
      do { return .success(try body()) } catch let error as DecodingError { return .failure(error) } catch {
        Issue.record("not a DecodingError: \(error)")
        return .failure(.dataCorrupted(.init(codingPath: [], debugDescription: "")))
      }
    }
    let tree = try JSONParser.parse(text)
    return (
      run { try JSONValueDecoder().decode(type, from: tree) },
      run { try JSONDecoder().decode(type, from: Data(text.utf8)) }
    )
  }

  /// The kind of a decoding error and its coding path, as the catalog's messages use them.
  static func shape(_ error: DecodingError) -> String {
    func path(_ keys: [any CodingKey]) -> String {
      keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
    switch error {
    case .keyNotFound(let key, let context): return "keyNotFound \(path(context.codingPath + [key]))"
    case .typeMismatch(let type, let context): return "typeMismatch \(type) \(path(context.codingPath))"
    case .valueNotFound(let type, let context): return "valueNotFound \(type) \(path(context.codingPath))"
    case .dataCorrupted(let context):
      return "dataCorrupted \(path(context.codingPath)) \(context.debugDescription)"
    @unknown default: return "\(error)"
    }
  }

  static func expectSame<T: Decodable & Equatable>(_ type: T.Type, _ text: String) throws {
    let (tree, foundation) = try both(type, text)
    switch (tree, foundation) {
    case (.success(let left), .success(let right)): #expect(left == right, "\(text)")
    case (.failure(.dataCorrupted(let context)), .failure(.dataCorrupted)):
      // Foundation reports a number that does not fit as invalid JSON, with no path; the tree
      // decoder names the field.
      #expect(!context.codingPath.isEmpty || text.hasPrefix("["), "\(text)")
    case (.failure(let left), .failure(let right)):
      // Foundation words a type mismatch's description its own way; the kind and path must agree.
      #expect(
        shape(left).split(separator: " ").prefix(3) == shape(right).split(separator: " ").prefix(3), "\(text)"
      )
    default: Issue.record("\(text): tree \(tree), Foundation \(foundation)")
    }
  }

  @Test func everyBuiltinDefinitionDecodesAlike() throws {
    let catalog = try #require(try JSONParser.parse(BuiltinProviders.catalogJSON)["providers"]?.objectValue)
    #expect(catalog.keys.count >= 10)
    for (name, entry) in zip(catalog.keys, catalog.values) {
      guard case .object(var object) = entry else { continue }
      object["name"] = .string(name)
      try Self.expectSame(ProviderDefinition.self, JSONWriter.string(.object(object)))
    }
  }

  @Test(arguments: [
    #"{"name":"x","binary":"x","dialect":"d","prompt":{"mode":"positional"},"resume":{"style":"none"}}"#,
    #"{"name":"x","binary":"x","prompt":{"mode":"positional"},"resume":{"style":"none"},"sessionId":{"source":"printed"}}"#,
    #"{"name":"x","binary":"x","dialect":"d","arguments":"--json","prompt":{"mode":"positional"}}"#,
    #"{"name":"x","binary":"x","dialect":"d","arguments":["a",1],"prompt":{"mode":"positional"}}"#,
    #"{"name":"x","binary":null,"dialect":"d"}"#,
    #"{"name":"x","binary":"x","dialect":"d","prompt":{"mode":"sideways"},"resume":{"style":"none"},"sessionId":{"source":"printed"}}"#,
    #"{"name":"x","binary":"x","dialect":"d","prompt":{"mode":"flag","flag":""},"resume":{"style":"none"},"sessionId":{"source":"printed"}}"#,
    #"{"name":"x","binary":"x","dialect":"d","prompt":{"mode":"positional"},"resume":{"style":"none"},"sessionId":{"source":"pinned"}}"#,
    #"{"name":"x","binary":"x","dialect":"d","prompt":{"mode":"positional"},"resume":{"style":"none"},"sessionId":{"source":"printed"},"environment":{"A":1}}"#,
    #"{"name":"x","binary":"x","dialect":"d","prompt":{"mode":"positional"},"resume":{"style":"none"},"sessionId":{"source":"printed"},"environment":["A"]}"#,
    #"{"name":"x","binary":"x","dialect":"d","prompt":{"mode":"positional"},"resume":{"style":"none"},"sessionId":{"source":"printed"},"exhaustion":[{"pattern":"p"},{"reset":"none"}]}"#,
    #"{"name":"x","binary":"x","dialect":"d","prompt":[],"resume":{"style":"none"},"sessionId":{"source":"printed"}}"#,
    #"[]"#,
  ])
  func brokenDefinitionsFailAlike(_ text: String) throws {
    try Self.expectSame(ProviderDefinition.self, text)
  }

  struct Numbers: Decodable, Equatable {
    var small: Int8?
    var count: Int
    var ratio: Double
    var list: [UInt16]
    var flag: Bool
  }

  @Test(arguments: [
    #"{"count":3,"ratio":0.5,"list":[1,2],"flag":true}"#,
    #"{"small":127,"count":-3,"ratio":1e300,"list":[],"flag":false}"#,
    #"{"small":128,"count":3,"ratio":0.5,"list":[1],"flag":true}"#,
    #"{"count":3.5,"ratio":0.5,"list":[1],"flag":true}"#,
    #"{"count":3,"ratio":"0.5","list":[1],"flag":true}"#,
    #"{"count":3,"ratio":0.5,"list":[-1],"flag":true}"#,
    #"{"count":3,"ratio":0.5,"list":[1],"flag":1}"#,
    #"{"count":3,"ratio":0.5,"list":[null],"flag":true}"#,
    #"{"count":null,"ratio":0.5,"list":[1],"flag":true}"#,
  ])
  func scalarsDecodeAndFailAlike(_ text: String) throws {
    try Self.expectSame(Numbers.self, text)
  }
}
