import CFuzzDriver
import Foundation

/// Each target's `main.swift` hands its `LLVMFuzzerTestOneInput` to libFuzzer's driver.
///
/// SwiftPM links an executable's Swift `main` under another name and points `main` at it, so a
/// target cannot leave `main` to libFuzzer (`-sanitize=fuzzer`); SwiftPM's `--sanitize=fuzzer`
/// instead compiles every executable as a library, which breaks the root package's main.swift tools
/// (its build plugin's embedder included). So targets keep a tiny `main` that runs libFuzzer's
/// driver from `libclang_rt.fuzzer_no_main`, and the flags and corpus arguments are libFuzzer's.
public enum FuzzDriver {
  /// Stands for the data of an empty input, should libFuzzer pass none (it is never read).
  public static var noBytes: UnsafePointer<UInt8> { UnsafePointer(bitPattern: 1)! }

  /// Runs libFuzzer with the process's arguments on `body` and exits with its status.
  public static func run(_ body: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
    exit(multiagent_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv, body))
  }
}
