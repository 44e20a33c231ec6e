/// A problem in a providers.json file, naming the file, the provider and the field.
public struct CatalogError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The file (or `built-in catalog`).
  public var file: String
  /// The provider entry, when the problem is inside one.
  public var provider: String?
  /// The field path inside the entry (`resume.style`), when known.
  public var field: String?
  /// What is wrong.
  public var message: String

  /// Creates an error.
  public init(file: String, provider: String? = nil, field: String? = nil, message: String) {
    self.file = file
    self.provider = provider
    self.field = field
    self.message = message
  }

  /// `<file>: provider "x": field "resume.style": <message>`.
  public var description: String {
    var text = "\(file):"
    if let provider { text += " provider \"\(provider)\":" }
    if let field { text += " field \"\(field)\":" }
    return text + " " + message
  }
}
