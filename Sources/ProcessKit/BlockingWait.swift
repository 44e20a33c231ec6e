import Dispatch

/// Runs `body`, which blocks its thread (a `poll`, a `waitpid`), on a Dispatch thread and awaits
/// it, so that Swift's few cooperative threads are never held by a blocking call.
public func awaitBlocking(_ body: @escaping @Sendable () -> Void) async {
  await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
    DispatchQueue.global().async {
      body()
      continuation.resume()
    }
  }
}
