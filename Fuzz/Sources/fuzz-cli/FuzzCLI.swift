import FuzzSupport

// `multiagent`'s command-line parsing, compiled from its own sources (Framework/ and Commands/ are
// symlinks into Sources/multiagent): everything CommandLineTool.run does before a command runs.

/// Parses the input's lines as the words of a command line (without the program name), then reads
/// the selected command's options and arguments the way it does before running. Any mistake must
/// be a CLIError with a message, never a crash; help must be printable for whatever was selected.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = FuzzInput.bytes(data, size)
  let words = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map {
    String(decoding: $0, as: UTF8.self)
  }
  let invocation: CommandLineParser.Invocation
  do { invocation = try CommandLineParser(root: CommandLineTool.root).parse(words) } catch {
    guard !error.message.isEmpty else { fatalError("a usage error without a message") }
    return 0
  }
  _ = HelpFormatter.help(for: invocation.path)
  _ = try? CommandLineTool.resolve(words)
  if invocation.globals.help || invocation.globals.version { return 0 }
  do { _ = try invocation.path.last!.init(arguments: invocation.arguments) } catch {
    guard !CLIError.from(error).message.isEmpty else { fatalError("an error without a message") }
  }
  return 0
}
