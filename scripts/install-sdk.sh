#!/usr/bin/env bash
# Install the Python claude-agent-sdk (PyPI, the same version whose wheel install-real-clis.sh takes
# the claude binary from) and its dependencies into a venv in the CLI cache, for
# scripts/bench-sdk-query.py. Idempotent: a complete venv is not touched again.
# The last line printed is the venv's python.
set -euo pipefail

SDK_PKG="claude-agent-sdk"
SDK_VERSION="${MULTIAGENT_CLAUDE_SDK_VERSION:-0.2.187}"

CACHE="${MULTIAGENT_CLI_CACHE:-$HOME/.cache/multiagent-clis}"
VENV="$CACHE/sdk-venv-$SDK_VERSION"
PYTHON="${PYTHON:-python3}"

log() { echo "install-sdk: $*" >&2; }

if [ -f "$VENV/.complete" ] && [ -x "$VENV/bin/python" ]; then
    log "$SDK_PKG $SDK_VERSION already installed"
    echo "$VENV/bin/python"
    exit 0
fi

# The SDK needs Python >= 3.10 (Requires-Python of the wheel).
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' \
    || { log "$PYTHON is $("$PYTHON" --version 2>&1); $SDK_PKG needs Python >= 3.10 (set PYTHON=…)"; exit 1; }

mkdir -p "$CACHE"
# A venv is not relocatable, so it is built in place; without .complete it is the leftover of an
# interrupted run and is built again from scratch.
rm -rf "$VENV"
log "creating $VENV with $("$PYTHON" --version 2>&1)"
"$PYTHON" -m venv "$VENV"
log "installing $SDK_PKG==$SDK_VERSION and its dependencies"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --only-binary=:all: \
    "$SDK_PKG==$SDK_VERSION" >&2

version="$("$VENV/bin/python" -c 'import claude_agent_sdk; print(claude_agent_sdk.__version__)')" \
    || { log "import claude_agent_sdk failed"; exit 1; }
[ "$version" = "$SDK_VERSION" ] || { log "installed $SDK_PKG is $version, not $SDK_VERSION"; exit 1; }
touch "$VENV/.complete"
log "$SDK_PKG $version"

echo "$VENV/bin/python"
