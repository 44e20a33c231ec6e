import FuzzSupport
import ProviderKit
import Providers

/// Every built-in provider's parser (its dialect with its exhaustion rules), then every dialect no
/// provider uses with all the built-in rules.
let parsers: [(name: String, factory: OutputParserFactory, context: ParserContext)] = {
  var result: [(String, OutputParserFactory, ParserContext)] = []
  var used: Set<String> = []
  for definition in FuzzInput.builtinDefinitions {
    guard let factory = BuiltinDialects.all[definition.dialect] else { continue }
    used.insert(definition.dialect)
    result.append((definition.name, factory, FuzzInput.context(rules: definition.exhaustion)))
  }
  for (dialect, factory) in BuiltinDialects.all.sorted(by: { $0.key < $1.key }) where !used.contains(dialect)
  {
    result.append((dialect, factory, FuzzInput.context(rules: FuzzInput.allBuiltinRules)))
  }
  return result
}()

/// Feeds the input, split into log lines, through every parser (one fresh parser per input, as one
/// run of an agent). A parser must never crash, and each event must carry its line's offset. The
/// split itself is checked against a model of ``LineSplitter``.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = FuzzInput.bytes(data, size)
  checkLineSplitter(bytes)
  let lines = FuzzInput.lines(bytes)
  for (name, factory, context) in parsers {
    var parser = factory(context)
    for line in lines {
      for event in parser.parse(line: line.bytes, offset: line.offset) where event.offset != line.offset {
        fatalError("\(name): an event of the line at \(line.offset) has offset \(event.offset)")
      }
    }
  }
  return 0
}
