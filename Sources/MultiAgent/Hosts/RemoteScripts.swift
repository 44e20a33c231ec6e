/// The fixed scripts `spawn --host` runs on a host. Like ``RemoteMultiAgent``'s, they are our own
/// text; everything variable travels as a quoted argument (``ShellQuoting/shellScript(_:arguments:)``).
enum RemoteScripts {
  /// Where a host keeps its multiagent files, under the remote user's home.
  static let root = ".local/share/multiagent"
  /// The host's own state home, under the remote user's home.
  static let home = root + "/home"
  /// The repositories pushed to the host, under the remote user's home.
  static let repositories = root + "/repos"
  /// Where `spawn --host --input` stages input files (0700), under the remote user's home: one
  /// private folder `in.XXXXXXXX` per spawn, removed when the host's spawn ends.
  static let staging = root + "/staging"

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

  /// Checks that `$d` names a staging folder of ``staging`` (`in.` and no further `/`): the part of
  /// the scripts below that keeps a path given to them inside it.
  private static let checkStagingFolder = """
    case "${d#\(staging)/in.}" in
      "$d"|""|*/*) echo "not a staging folder: $d" >&2; exit 2 ;;
    esac
    """

  /// Makes a new private staging folder (see ``staging``) and prints its path relative to the
  /// remote home; first removes the folders of spawns that never ended theirs (older than 12 hours).
  static let makeStaging = """
    umask 077
    s="$HOME/\(staging)"
    mkdir -p "$s" && chmod 700 "$s" || exit 1
    find "$s" -mindepth 1 -maxdepth 1 -name 'in.*' -mmin +720 -exec rm -rf {} + 2>/dev/null
    d=$(mktemp -d "$s/in.XXXXXXXX") || exit 1
    printf '%s\\n' "\(staging)/${d##*/}"
    """

  /// Writes standard input to the file `$2` of the staging folder `$1` (a new private file,
  /// replacing one of that name) and checks that it holds `$3` bytes. A name that is empty, `.`,
  /// `..` or has a `/` is refused (exit 2), as is a folder outside ``staging``.
  static let stageInput = """
    umask 077
    d="$1"; n="$2"
    \(checkStagingFolder)
    case "$n" in
      ""|.|..|*/*) echo "invalid input name: $n" >&2; exit 2 ;;
    esac
    [ -d "$HOME/$d" ] || { echo "no staging folder $d" >&2; exit 3; }
    f="$HOME/$d/$n"
    rm -f "$f" || exit 1
    set -C
    cat > "$f" || exit 1
    size=$(wc -c < "$f" | tr -d ' ')
    [ "$size" = "$3" ] || { echo "received $size of $3 bytes of $n" >&2; exit 3; }
    """

  /// Runs the host's multiagent like ``multiagent`` with the arguments after `$1`, then removes
  /// the staging folder `$1` however it ended (a hang-up or termination included).
  static let multiagentStaged = """
    b="$HOME/\(RemoteMultiAgent.path)"
    [ -x "$b" ] || exit 127
    cd "$HOME" || exit 1
    d="$1"; shift
    \(checkStagingFolder)
    trap 'rm -rf "$HOME/$d"' EXIT
    trap 'exit 129' HUP INT TERM
    "$b" --home "$HOME/\(home)" "$@"
    """

  /// Removes the staging folder `$1` (nothing when it is gone).
  static let removeStaging = """
    d="$1"
    \(checkStagingFolder)
    rm -rf "$HOME/$d"
    """
}
