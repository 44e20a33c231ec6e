#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The calling process's environment.
public enum ProcessEnvironment {
  /// The environment as a dictionary, read straight from `environ` (for a short command, a
  /// noticeable part of its start-up went into Foundation's `ProcessInfo` building the same).
  /// An entry without `=` is skipped; of two entries with one name, the first counts, as for
  /// `getenv`.
  public static var current: [String: String] {
    #if canImport(Darwin)
      guard var entry = _NSGetEnviron().pointee else { return [:] }
    #else
      guard var entry = environ as UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? else { return [:] }
    #endif
    // Sized once: grown entry by entry, the table was rebuilt six times for a typical environment.
    var count = 0
    while entry[count] != nil { count += 1 }
    var result = [String: String](minimumCapacity: count)
    while let pointer = entry.pointee {
      let bytes = UnsafeBufferPointer(
        start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: strlen(pointer))
      if let equals = bytes.firstIndex(of: UInt8(ascii: "=")) {
        let name = String(decoding: bytes[..<equals], as: UTF8.self)
        if result[name] == nil {
          result[name] = String(decoding: bytes[(equals + 1)...], as: UTF8.self)
        }
      }
      entry += 1
    }
    return result
  }
}
