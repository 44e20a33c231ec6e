import Dispatch

/// Runs `body`, which blocks its thread (a `poll`, a `waitpid`), on a Dispatch thread and awaits
/// it, so that Swift's few cooperative threads are never held by a blocking call.
///
/// - Returns: what `body` returned.
@discardableResult
public func awaitBlocking<Value: Sendable>(_ body: @escaping @Sendable () -> Value) async -> Value {
  await withCheckedContinuation { (continuation: CheckedContinuation<Value, Never>) in
    DispatchQueue.global().async {
      continuation.resume(returning: body())
    }
  }
}
