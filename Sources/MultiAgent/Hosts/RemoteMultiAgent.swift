/// The `multiagent` binary on a host: where it lives and the two fixed scripts that ask its version
/// and install it. The scripts are our own text; the one variable (the byte count) travels as a
/// quoted argument (see ``ShellQuoting/shellScript(_:arguments:)``).
enum RemoteMultiAgent {
  /// Where the binary goes, under the remote user's home.
  static let path = ".local/share/multiagent/bin/multiagent"

  /// Prints the installed binary's `--version`; exits 127 when there is none.
  static let versionScript = """
    p="$HOME/\(path)"
    [ -x "$p" ] || exit 127
    exec "$p" --version
    """

  /// Copies standard input to a temporary name next to the binary, checks its size (`$1` bytes) and
  /// that it runs, then renames it over the binary: a reader sees the old binary or the new one,
  /// never a partial file. A failed copy leaves nothing behind.
  static let installScript = """
    set -e
    p="$HOME/\(path)"
    d="${p%/*}"
    mkdir -p "$d"
    t="$d/.multiagent.$$.tmp"
    trap 'rm -f "$t"' EXIT
    cat > "$t"
    size=$(wc -c < "$t" | tr -d ' ')
    if [ "$size" != "$1" ]; then echo "received $size of $1 bytes" >&2; exit 3; fi
    chmod 0755 "$t"
    if ! "$t" --version > /dev/null; then echo "the copied binary does not run there" >&2; exit 4; fi
    mv -f "$t" "$p"
    trap - EXIT
    """

  /// `0.1.0` from `multiagent 0.1.0` (the whole first line when it is not in that form).
  static func version(fromOutput output: String) -> String {
    let line = output.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
    return line.hasPrefix("multiagent ") ? String(line.dropFirst("multiagent ".count)) : line
  }
}

/// What `multiagent hosts list` shows of a host: whether it answered, and which multiagent it has.
public struct HostStatus: Sendable, Hashable {
  /// The host.
  public var host: RemoteHost
  /// Whether an SSH connection was made and a command ran.
  public var reachable: Bool
  /// The multiagent version installed there (`0.1.0`), or nil when none is installed or the host
  /// was not reached.
  public var version: String?
  /// Why the host is unreachable, or why its multiagent does not run; nil when all is well (a host
  /// without multiagent is reachable with no version and no error).
  public var error: HostError?
  /// How many agents that are not done run there.
  public var agents: Int

  /// Creates a status.
  public init(host: RemoteHost, reachable: Bool, version: String?, error: HostError?, agents: Int) {
    self.host = host
    self.reachable = reachable
    self.version = version
    self.error = error
    self.agents = agents
  }
}

/// What ``Hosts/install(on:binary:version:force:timeout:)`` did.
public enum HostInstallation: Sendable, Hashable {
  /// The binary was copied; the host now reports this version.
  case installed(version: String, previous: String?)
  /// The host already had this version; nothing was copied.
  case upToDate(version: String)
}
