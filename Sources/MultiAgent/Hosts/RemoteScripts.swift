/// The fixed scripts `spawn --host` runs on a host. Like ``RemoteMultiAgent``'s, they are our own
/// text; everything variable travels as a quoted argument (``ShellQuoting/shellScript(_:arguments:)``).
enum RemoteScripts {
  /// Where a host keeps its multiagent files, under the remote user's home.
  static let root = ".local/share/multiagent"
  /// The host's own state home, under the remote user's home.
  static let home = root + "/home"
  /// The repositories pushed to the host, under the remote user's home.
  static let repositories = root + "/repos"

  /// Runs the host's multiagent on its own home with the script's arguments; exits 127 when it is
  /// not installed. Runs from the remote home directory, so relative paths are under it.
  static let multiagent = """
    b="$HOME/\(RemoteMultiAgent.path)"
    [ -x "$b" ] || exit 127
    cd "$HOME" || exit 1
    exec "$b" --home "$HOME/\(home)" "$@"
    """

  /// Creates the repository `$HOME/$1` (a plain one, so worktrees can be made from it) when missing.
  static let prepareRepository = """
    set -e
    m="$HOME/$1"
    if [ ! -d "$m/.git" ]; then mkdir -p "$m"; git init -q "$m"; fi
    """

  /// Removes the base ref `$2` of the repository `$HOME/$1` (nothing when either is gone).
  static let removeBase = """
    m="$HOME/$1"
    [ -d "$m/.git" ] || exit 0
    git -C "$m" update-ref -d "$2" 2>/dev/null || true
    """

  /// Answers agent `$1` with what arrives on standard input, kept meanwhile in a private temporary
  /// file: the JSON object of answers when `$2` is `file`, else one free-text answer (read by
  /// `answer` from standard input, never put on a command line); the rest of the arguments
  /// (`--request-id ID`, `--provider NAME`) follow `answer`.
  static let answer = """
    b="$HOME/\(RemoteMultiAgent.path)"
    [ -x "$b" ] || exit 127
    cd "$HOME" || exit 1
    umask 077
    f=$(mktemp) || exit 1
    trap 'rm -f "$f"' EXIT
    cat > "$f" || exit 1
    id="$1"; how="$2"; shift 2
    if [ "$how" = file ]; then
      "$b" --home "$HOME/\(home)" --json answer "$id" --answers-file "$f" "$@"
    else
      "$b" --home "$HOME/\(home)" --json answer "$id" "$@" - < "$f"
    fi
    """

  /// Adds an account to the host's home from standard input, printing its `--json` record: `$1` the
  /// provider, `$2` the label, `$3` what arrives (`file`: the CLI's credential file, kept meanwhile
  /// in a private temporary file inside the host's home; `api-key` or `token`: one line). The
  /// secret never appears in an argument.
  static let addAccount = """
    b="$HOME/\(RemoteMultiAgent.path)"
    [ -x "$b" ] || exit 127
    cd "$HOME" || exit 1
    umask 077
    h="$HOME/\(home)"
    mkdir -p "$h" || exit 1
    case "$3" in
      file)
        f=$(mktemp "$h/.incoming.XXXXXX") || exit 1
        trap 'rm -f "$f"' EXIT
        cat > "$f" || exit 1
        "$b" --home "$h" --json accounts add "$1" --label "$2" --credentials-file "$f" ;;
      api-key) exec "$b" --home "$h" --json accounts add "$1" --label "$2" --api-key-stdin ;;
      token) exec "$b" --home "$h" --json accounts add "$1" --label "$2" --token-stdin ;;
      *) echo "unknown credential kind" >&2; exit 2 ;;
    esac
    """

  /// Prints the file `$3` (relative to the config dir) of account `$2` of provider `$1` in the
  /// host's home; exits 3 when it is not there.
  static let readAccountFile = """
    f="$HOME/\(home)/accounts/$1/$2/$3"
    [ -f "$f" ] || exit 3
    cat "$f"
    """
}
