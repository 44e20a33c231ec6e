import Foundation
import JSONKit
import ProviderKit

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What an agent wrote to its signal file before ending its turn (design §6).
///
/// `{"status":"done","result":"…"}` · `{"status":"questions","questions":[{"id":"q1","question":"…",
/// "options":["…"]}]}` · `{"status":"error","error":"…"}`. The file is read only after the agent's
/// process has exited, size-capped and validated: a bad signal is a clear error, never a crash.
enum AgentSignal: Sendable, Hashable {
  /// The agent finished; `result` summarizes what it did.
  case done(result: String)
  /// The agent needs these answered before it can go on.
  case questions([PendingQuestion])
  /// The agent could not go on.
  case error(String)

  /// The largest signal file accepted.
  static let maximumSize = 1 << 20

  /// Reads and validates the signal file at `path`; `nil` when there is none.
  ///
  /// Only the agent's own file is read: the path is opened without following a symbolic link, and
  /// the descriptor opened is what is checked — a regular file with no other hard link (one would
  /// make another file's content the agent's signal) — and read.
  ///
  /// - Throws: `SignalError` saying what is wrong with the file.
  static func read(at path: String) throws(SignalError) -> AgentSignal? {
    let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
    guard descriptor >= 0 else {
      switch errno {
      case ENOENT: return nil
      case ELOOP: throw SignalError("signal file \(path) is not a regular file (it is a symbolic link)")
      default: throw SignalError("signal file \(path) cannot be read (\(String(cString: strerror(errno))))")
      }
    }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
      throw SignalError("signal file \(path) is not a regular file")
    }
    guard status.st_nlink == 1 else {
      throw SignalError("signal file \(path) has \(status.st_nlink) hard links; it must be a file of its own")
    }
    guard Int(status.st_size) <= maximumSize else {
      throw SignalError(
        "signal file \(path) is \(status.st_size) bytes; the limit is \(maximumSize) bytes")
    }
    guard let data = FileSystem.readToEnd(descriptor, limit: maximumSize + 1) else {
      throw SignalError("signal file \(path) cannot be read")
    }
    guard data.count <= maximumSize else {
      throw SignalError("signal file \(path) is larger than \(maximumSize) bytes")
    }
    return try parse(data, source: path)
  }

  /// Parses signal JSON.
  ///
  /// - Throws: `SignalError` naming `source` and what is wrong.
  static func parse(_ bytes: [UInt8], source: String = "signal") throws(SignalError) -> AgentSignal {
    let value: JSONValue
    do { value = try JSONParser.parse(bytes) } catch {
      throw SignalError("\(source) is not valid JSON (\(error.reason) at byte \(error.offset))")
    }
    guard case .object(let object) = value else {
      throw SignalError("\(source) must be a JSON object with a \"status\" field")
    }
    switch object["status"]?.stringValue {
    case "done":
      let result = object["result"]
      guard result == nil || result?.stringValue != nil || result?.isNull == true else {
        throw SignalError("\(source): \"result\" must be a string")
      }
      return .done(result: result?.stringValue ?? "")
    case "error":
      guard let message = object["error"]?.stringValue ?? object["message"]?.stringValue, !message.isEmpty
      else {
        throw SignalError("\(source): an error signal needs a non-empty \"error\" string")
      }
      return .error(message)
    case "questions":
      return .questions(try questions(object["questions"], source: source))
    case let other?:
      throw SignalError(
        "\(source): unknown status \"\(other.prefix(40))\" (expected done, questions or error)")
    case nil:
      throw SignalError("\(source): missing \"status\" (expected done, questions or error)")
    }
  }

  private static func questions(_ value: JSONValue?, source: String) throws(SignalError) -> [PendingQuestion]
  {
    guard let items = value?.arrayValue, !items.isEmpty else {
      throw SignalError("\(source): \"questions\" must be a non-empty array")
    }
    guard items.count <= 50 else { throw SignalError("\(source): at most 50 questions are accepted") }
    var result: [PendingQuestion] = []
    for (index, item) in items.enumerated() {
      let text: String
      var id = "q\(index + 1)"
      var options: [String] = []
      var header: String?
      if let plain = item.stringValue {
        text = plain
      } else if case .object(let object) = item {
        guard let question = object["question"]?.stringValue else {
          throw SignalError("\(source): question \(index + 1) has no \"question\" string")
        }
        text = question
        if let given = object["id"] {
          guard let given = given.stringValue, isValidID(given) else {
            throw SignalError(
              "\(source): question \(index + 1) has an invalid id (use letters, digits, - or _)")
          }
          id = given
        }
        if let list = object["options"] {
          guard let array = list.arrayValue else {
            throw SignalError("\(source): question \(id) \"options\" must be an array of strings")
          }
          for option in array {
            guard let label = option.stringValue ?? option["label"]?.stringValue else {
              throw SignalError("\(source): question \(id) \"options\" must be an array of strings")
            }
            options.append(label)
          }
        }
        header = object["header"]?.stringValue
      } else {
        throw SignalError("\(source): question \(index + 1) must be an object or a string")
      }
      guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
        throw SignalError("\(source): question \(id) is empty")
      }
      guard !result.contains(where: { $0.id == id }) else {
        throw SignalError("\(source): question id \(id) is used twice")
      }
      result.append(PendingQuestion(id: id, question: text, options: options, header: header))
    }
    return result
  }

  static func isValidID(_ id: String) -> Bool {
    !id.isEmpty && id.utf8.count <= 64
      && id.utf8.allSatisfy {
        ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D
          || $0 == 0x5F
      }
  }
}

/// A signal file that cannot be accepted.
struct SignalError: Error, Sendable, Hashable, CustomStringConvertible {
  /// What is wrong.
  var message: String
  /// Creates an error.
  init(_ message: String) { self.message = message }
  /// The message.
  var description: String { message }
}
