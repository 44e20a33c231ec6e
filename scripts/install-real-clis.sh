#!/usr/bin/env bash
# Install the real Claude Code and Codex CLI binaries (shipped inside PyPI wheels)
# into a cache outside the clone, and symlink them into $CACHE/bin; then the Python CLIs
# (Mistral Vibe, OpenHands, Kimi) through install-python-clis.sh.
# Idempotent: a version already unpacked is not downloaded again.
# The last line printed is the bin dir (put it on PATH).
set -euo pipefail

CLAUDE_PKG="claude-agent-sdk"
CLAUDE_VERSION="${MULTIAGENT_CLAUDE_SDK_VERSION:-0.2.187}"
CODEX_PKG="openai-codex-cli-bin"
CODEX_VERSION="${MULTIAGENT_CODEX_VERSION:-0.163.0}"

CACHE="${MULTIAGENT_CLI_CACHE:-$HOME/.cache/multiagent-clis}"
BIN="$CACHE/bin"
PYTHON="${PYTHON:-python3}"

log() { echo "install-real-clis: $*" >&2; }

mkdir -p "$CACHE" "$BIN"
rm -rf "$CACHE"/.dl.* "$CACHE"/.check.* # leftovers of an interrupted run

# unpack_wheel PKG VERSION DEST — pip download the wheel, unzip it into DEST.
unpack_wheel() {
    local pkg="$1" version="$2" dest="$3"
    local tmp
    tmp="$(mktemp -d "$CACHE/.dl.XXXXXX")"
    log "downloading $pkg==$version"
    "$PYTHON" -m pip download --quiet --no-deps --disable-pip-version-check \
        --only-binary=:all: -d "$tmp/wheels" "$pkg==$version" >&2
    local whl
    whl="$(ls "$tmp"/wheels/*.whl | head -n 1)"
    [ -n "$whl" ] || { log "no wheel downloaded for $pkg"; return 1; }
    mkdir -p "$tmp/unpacked"
    if command -v unzip >/dev/null 2>&1; then
        unzip -q "$whl" -d "$tmp/unpacked"
    else
        "$PYTHON" -m zipfile -e "$whl" "$tmp/unpacked"
    fi
    rm -rf "$dest"
    mv "$tmp/unpacked" "$dest"
    rm -rf "$tmp"
}

# install_cli NAME PKG VERSION REL_BINARY [EXTRA_EXECUTABLES...]
install_cli() {
    local name="$1" pkg="$2" version="$3" rel="$4"
    shift 4
    local dir="$CACHE/$name-$version"
    local exe="$dir/$rel"
    if [ -f "$dir/.complete" ] && [ -x "$exe" ]; then
        log "$name $version already installed"
    else
        unpack_wheel "$pkg" "$version" "$dir"
        chmod +x "$exe"
        local extra
        for extra in "$@"; do
            if [ -e "$dir/$extra" ]; then chmod +x "$dir/$extra"; fi
        done
        touch "$dir/.complete"
    fi
    ln -sfn "$exe" "$BIN/$name"
}

install_cli claude "$CLAUDE_PKG" "$CLAUDE_VERSION" "claude_agent_sdk/_bundled/claude"
install_cli codex "$CODEX_PKG" "$CODEX_VERSION" "codex_cli_bin/bin/codex" \
    "codex_cli_bin/codex-path/rg" "codex_cli_bin/bin/codex-code-mode-host" "codex_cli_bin/codex-resources/bwrap"

# Smoke check: both must run offline and report a version. Run them with a scratch
# HOME / config dir so that the check writes nothing into the user's ~/.claude or ~/.codex.
scratch="$(mktemp -d "$CACHE/.check.XXXXXX")"
claude_v="$(HOME="$scratch" CLAUDE_CONFIG_DIR="$scratch" "$BIN/claude" --version </dev/null 2>/dev/null | head -n 1)" \
    || { rm -rf "$scratch"; log "claude --version failed"; exit 1; }
codex_v="$(HOME="$scratch" CODEX_HOME="$scratch" "$BIN/codex" --version </dev/null 2>/dev/null | head -n 1)" \
    || { rm -rf "$scratch"; log "codex --version failed"; exit 1; }
rm -rf "$scratch"
[ -n "$claude_v" ] || { log "claude --version printed nothing"; exit 1; }
[ -n "$codex_v" ] || { log "codex --version printed nothing"; exit 1; }
log "claude: $claude_v"
log "codex: $codex_v"

# vibe, openhands and kimi need Python >= 3.12: without one they are reported and left out (their
# end-to-end tests say they are skipped); claude and codex stay usable.
# MULTIAGENT_PYTHON_CLIS=0 leaves them out (the tour needs only claude and codex).
if [ "${MULTIAGENT_PYTHON_CLIS:-1}" != "0" ]; then
    MULTIAGENT_CLI_CACHE="$CACHE" "$(dirname "$0")/install-python-clis.sh" >/dev/null \
        || log "vibe, openhands and kimi were not installed (see above); their tests will be skipped"
fi

echo "$BIN"
