/// Quoting for the one place a shell string cannot be avoided: the remote command of `ssh`, which
/// the far side's login shell parses. Every word is quoted here; nothing is ever interpolated raw.
public enum ShellQuoting {
  /// `word` as one POSIX shell word: wrapped in single quotes, each `'` written as `'\''`.
  /// The empty word becomes `''`. Safe for any bytes but NUL (which no argv can carry).
  public static func quote(_ word: String) -> String {
    "'" + word.replacing("'", with: #"'\''"#) + "'"
  }

  /// `words` as a command line for a POSIX shell: each quoted, joined by spaces.
  public static func command(_ words: [String]) -> String {
    words.map(quote).joined(separator: " ")
  }

  /// A command line that runs `script` with `sh`, giving it `arguments` as `$1`, `$2`, …: the
  /// script is fixed text of ours, and anything variable travels as a quoted argument.
  public static func shellScript(_ script: String, arguments: [String] = []) -> String {
    command(["sh", "-c", script, "sh"] + arguments)
  }
}
