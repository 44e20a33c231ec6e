import Foundation
import FuzzSupport
import ProviderKit
@testable import MultiAgent

/// Parses the input as an agent's signal file (the JSON an agent writes before ending its turn). A
/// bad signal must be an error, never a crash; an accepted one must hold what the validation
/// promises, and its questions must survive being stored (encoded and decoded).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let signal: AgentSignal
  do { signal = try AgentSignal.parse(FuzzInput.bytes(data, size)) } catch {
    guard !error.message.isEmpty else { fatalError("an empty signal error") }
    return 0
  }
  switch signal {
  case .done: break
  case .error(let message): guard !message.isEmpty else { fatalError("an empty error signal") }
  case .questions(let questions):
    guard (1...50).contains(questions.count) else { fatalError("\(questions.count) questions") }
    guard Set(questions.map(\.id)).count == questions.count else { fatalError("duplicate ids") }
    for question in questions where !AgentSignal.isValidID(question.id) {
      fatalError("invalid id \(question.id.debugDescription)")
    }
    let encoded: Data
    do { encoded = try JSONEncoder().encode(questions) } catch { fatalError("encoding: \(error)") }
    guard let decoded = try? JSONDecoder().decode([PendingQuestion].self, from: encoded), decoded == questions
    else { fatalError("questions do not survive encoding: \(String(decoding: encoded, as: UTF8.self))") }
  }
  return 0
}
