import Foundation
import ProviderKit

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

let exitCode = await CommandLineTool.run(
  arguments: Array(CommandLine.arguments.dropFirst()), environment: ProcessEnvironment.current)
exit(exitCode.rawValue)
