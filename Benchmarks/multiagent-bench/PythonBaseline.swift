import Foundation

/// Python's `json.loads` on every line of the same file, timed inside Python (file reading and
/// line splitting excluded, so the baseline is the parse alone), best of `runs`.
enum PythonBaseline {
  static let script = """
    import json, sys, time
    path, runs = sys.argv[1], int(sys.argv[2])
    with open(path, 'rb') as f:
        data = f.read()
    lines = data.split(b'\\n')
    best = float('inf')
    for _ in range(runs):
        start = time.perf_counter()
        for line in lines:
            if line:
                try:
                    json.loads(line)
                except ValueError:
                    pass
        best = min(best, time.perf_counter() - start)
    print(len(data) / 1e6 / best)
    """

  static func measure(path: String, runs: Int) throws -> Double {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script, path, String(runs)]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0,
      let rate = Double(
        String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    else {
      throw NSError(
        domain: "multiagent-bench", code: 1, userInfo: [NSLocalizedDescriptionKey: "python3 baseline failed"])
    }
    return rate
  }
}
