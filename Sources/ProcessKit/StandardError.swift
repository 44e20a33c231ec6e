#if canImport(Glibc)
  import Glibc
#endif

/// Standard error, written best-effort.
///
/// `FileHandle.standardError.write(_:)` stops the process when the write fails — and a detached
/// supervisor's standard error is a file in the state home, which a full disk makes fail. A log line
/// that cannot be written is lost; the process goes on.
public enum StandardError {
  /// Writes `text` (UTF-8), retrying short and interrupted writes; gives up quietly on any error.
  public static func write(_ text: String) {
    var text = text
    text.withUTF8 { bytes in
      guard let base = bytes.baseAddress else { return }
      var offset = 0
      while offset < bytes.count {
        let written = Glibc.write(2, base + offset, bytes.count - offset)
        if written < 0 && errno == EINTR { continue }
        guard written > 0 else { return }
        offset += written
      }
    }
  }
}
