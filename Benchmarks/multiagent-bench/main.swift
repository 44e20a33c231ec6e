// Parse-throughput benchmark: the claude and codex output dialects over ≥ 50 MB each, next to
// Python's json.loads on the same lines in the same run. Prints figures; asserts nothing.
//
//   swift run -c release multiagent-bench [--megabytes N] [--fixtures DIR] [--runs N]
import Foundation
import ProviderKit
import Providers

struct Options {
  var megabytes = 64
  var fixtures = "Tests/ProvidersTests/Fixtures"
  var runs = 3
  var workDirectory = NSTemporaryDirectory() + "multiagent-bench"

  init(_ arguments: [String]) {
    var iterator = arguments.dropFirst().makeIterator()
    while let argument = iterator.next() {
      switch argument {
      case "--megabytes": megabytes = Int(iterator.next() ?? "") ?? megabytes
      case "--fixtures": fixtures = iterator.next() ?? fixtures
      case "--runs": runs = Int(iterator.next() ?? "") ?? runs
      case "--work-dir": workDirectory = iterator.next() ?? workDirectory
      case "-h", "--help":
        print("usage: multiagent-bench [--megabytes N] [--fixtures DIR] [--runs N] [--work-dir DIR]")
        exit(0)
      default:
        FileHandle.standardError.write(Data("error: unknown option \(argument)\n".utf8))
        exit(2)
      }
    }
  }
}

let options = Options(CommandLine.arguments)
let registry = try BuiltinProviders.registry()
try FileManager.default.createDirectory(atPath: options.workDirectory, withIntermediateDirectories: true)

print("multiagent-bench: parse throughput, \(options.megabytes) MB per dialect, best of \(options.runs) runs")
print("")
print(
  "dialect".padding(toLength: 20, withPad: " ", startingAt: 0)
    + "   swift MB/s   events/s      python json.loads MB/s   ratio")
for (providerName, dialect) in [("claude", "claude-stream-json"), ("codex", "codex-exec-json")] {
  let provider = try registry.provider(named: providerName)
  let path = "\(options.workDirectory)/\(providerName).jsonl"
  let corpus = CorpusGenerator(fixtures: "\(options.fixtures)/\(providerName)", dialect: providerName)
  try corpus.write(to: path, megabytes: options.megabytes)
  let data = try Array(Data(contentsOf: URL(fileURLWithPath: path)))

  var best = Double.infinity
  var events = 0
  for _ in 0..<options.runs {
    let start = DispatchTime.now().uptimeNanoseconds
    var parser = provider.makeParser(context: ParserContext())
    var splitter = LineSplitter()
    var count = 0
    for line in splitter.feed(data) {
      count += parser.parse(line: line.bytes, offset: line.offset).count
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    best = min(best, seconds)
    events = count
  }
  let megabytes = Double(data.count) / 1_000_000
  let swiftRate = megabytes / best
  let pythonRate = try PythonBaseline.measure(path: path, runs: options.runs)
  print(
    dialect.padding(toLength: 20, withPad: " ", startingAt: 0)
      + String(
        format: "   %9.1f   %10.0f      %22.1f   %5.2fx", swiftRate, Double(events) / best, pythonRate,
        swiftRate / pythonRate))
}
print("")
print("target: swift MB/s ≥ 2× python json.loads MB/s (events/s counts normalized events produced)")
