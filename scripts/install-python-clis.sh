#!/usr/bin/env bash
# Install the real Mistral Vibe, OpenHands and Kimi CLIs (Python packages on PyPI) into their
# own venvs in the CLI cache, and symlink `vibe`, `openhands`, `kimi` into $CACHE/bin next to
# claude and codex. Idempotent: a venv marked complete is not touched again.
# Each needs Python >= 3.12; the interpreter is found here (see find_python) or given with
# MULTIAGENT_PYTHON312 / MULTIAGENT_PYTHON313. The last line printed is the bin dir.
set -euo pipefail

VIBE_VERSION="3.0.3"
OPENHANDS_VERSION="1.16.0"
# Never 1.52.0: a deprecation stub that, run without arguments, pipes a remote script into bash.
KIMI_VERSION="1.51.0"

CACHE="${MULTIAGENT_CLI_CACHE:-$HOME/.cache/multiagent-clis}"
BIN="$CACHE/bin"

log() { echo "install-python-clis: $*" >&2; }

mkdir -p "$CACHE" "$BIN"

# python_ok PY MINOR — PY runs and is 3.MINOR (exactly) with ssl and sqlite3.
python_ok() {
    "$1" -c "import sys, ssl, sqlite3, venv; sys.exit(0 if sys.version_info[:2] == (3, $2) else 1)" \
        >/dev/null 2>&1
}

# find_python MINOR — print a Python 3.MINOR interpreter: $MULTIAGENT_PYTHON3MINOR, pyenv's
# newest 3.MINOR.x, then python3.MINOR on PATH. Prints nothing when there is none.
find_python() {
    local minor="$1" var="MULTIAGENT_PYTHON3$1" candidate
    local candidates=()
    if [ -n "${!var:-}" ]; then candidates+=("${!var}"); fi
    local root="${PYENV_ROOT:-}"
    if [ -z "$root" ] && command -v pyenv >/dev/null 2>&1; then root="$(pyenv root 2>/dev/null || true)"; fi
    if [ -z "$root" ] && [ -d "$HOME/.pyenv" ]; then root="$HOME/.pyenv"; fi
    if [ -n "$root" ] && [ -d "$root/versions" ]; then
        while IFS= read -r candidate; do
            candidates+=("$root/versions/$candidate/bin/python3")
        done < <(ls "$root/versions" | grep -E "^3\.$minor\.[0-9]+$" | sort -t. -k3,3nr)
    fi
    if command -v "python3.$minor" >/dev/null 2>&1; then candidates+=("$(command -v "python3.$minor")"); fi
    for candidate in "${candidates[@]}"; do
        if python_ok "$candidate" "$minor"; then echo "$candidate"; return 0; fi
    done
}

PY312="$(find_python 12)"
PY313="$(find_python 13)"
if [ -z "$PY312" ] && [ -z "$PY313" ]; then
    log "no Python 3.12 or 3.13 found (tried \$MULTIAGENT_PYTHON312/313, pyenv versions 3.12.x/3.13.x,"
    log "python3.12/python3.13 on PATH); vibe, openhands and kimi need one. Install one, e.g."
    log "  pyenv install 3.13.0   or   MULTIAGENT_PYTHON313=/path/to/python3.13 $0"
    exit 1
fi

# link_cli NAME EXE — symlink the installed entry point into $BIN.
link_cli() {
    local name="$1" exe="$2"
    [ -x "$exe" ] || { log "$name: $exe missing after install"; exit 1; }
    ln -sfn "$exe" "$BIN/$name"
}

# prepare_dir DIR — venv scripts carry absolute shebangs, so a venv is built in place and
# marked complete only at the end; an interrupted build is removed and redone on the next run.
prepare_dir() {
    local dir="$1"
    rm -rf "$dir"
    mkdir -p "$dir"
}

install_vibe() {
    local dir="$CACHE/vibe-$VIBE_VERSION" py="${PY312:-$PY313}"
    if [ -f "$dir/.complete" ] && [ -x "$dir/venv/bin/vibe" ]; then
        log "vibe $VIBE_VERSION already installed"
    else
        log "installing mistral-vibe $VIBE_VERSION with $py"
        prepare_dir "$dir"
        "$py" -m venv "$dir/venv" >&2
        local pip=("$dir/venv/bin/python" -m pip --disable-pip-version-check)
        "${pip[@]}" download --quiet --no-deps --only-binary=:all: -d "$dir/wheel" \
            "mistral-vibe==$VIBE_VERSION" >&2
        local whl
        whl="$(ls "$dir"/wheel/mistral_vibe-*.whl | head -n 1)"
        # The wheel pins certifi==2026.10.19, which PyPI serves only as 2026.10.19.post1:
        # install the wheel's own pins with that one corrected, then the wheel without deps.
        "$dir/venv/bin/python" - "$whl" >"$dir/requirements.txt" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel:
    name = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
    for line in wheel.read(name).decode().splitlines():
        if line.startswith("Requires-Dist: ") and "extra ==" not in line:
            req = line[len("Requires-Dist: "):]
            print("certifi==2026.10.19.post1" if req == "certifi==2026.10.19" else req)
PY
        "${pip[@]}" install --quiet -r "$dir/requirements.txt" >&2
        "${pip[@]}" install --quiet --no-deps "$whl" >&2
        rm -rf "$dir/wheel"
        touch "$dir/.complete"
    fi
    link_cli vibe "$dir/venv/bin/vibe"
}

install_openhands() {
    local dir="$CACHE/openhands-$OPENHANDS_VERSION" py="${PY312:-$PY313}"
    if [ -f "$dir/.complete" ] && [ -x "$dir/venv/bin/openhands" ]; then
        log "openhands $OPENHANDS_VERSION already installed"
    else
        log "installing openhands $OPENHANDS_VERSION with $py"
        prepare_dir "$dir"
        "$py" -m venv "$dir/venv" >&2
        # openhands says Requires-Python ==3.12.*; on 3.13 pip backtracks for minutes over
        # that pin, so uv resolves the set for 3.12 and installs it without dependencies.
        "$dir/venv/bin/python" -m pip install --quiet --disable-pip-version-check uv >&2
        "$dir/venv/bin/uv" pip compile --quiet --system-certs --python-version 3.12 \
            --python-platform x86_64-manylinux_2_28 -o "$dir/requirements.txt" - \
            <<<"openhands==$OPENHANDS_VERSION" >&2
        "$dir/venv/bin/uv" pip install --quiet --system-certs --no-deps \
            --python "$dir/venv/bin/python" -r "$dir/requirements.txt" >&2
        touch "$dir/.complete"
    fi
    link_cli openhands "$dir/venv/bin/openhands"
}

install_kimi() {
    local dir="$CACHE/kimi-$KIMI_VERSION" py="$PY313"
    if [ -f "$dir/.complete" ] && [ -x "$dir/venv/bin/kimi" ]; then
        log "kimi $KIMI_VERSION already installed"
        link_cli kimi "$dir/venv/bin/kimi"
        return
    fi
    if [ -z "$py" ]; then
        # kimi-cli 1.51.0 fails on 3.12.1 before any request (TypeError: super(type, obj)).
        log "kimi-cli $KIMI_VERSION needs Python 3.13 (it does not start on 3.12.1); none found:"
        log "  set MULTIAGENT_PYTHON313 or pyenv install 3.13.0. Skipping kimi."
        return
    fi
    log "installing kimi-cli $KIMI_VERSION with $py"
    prepare_dir "$dir"
    "$py" -m venv "$dir/venv" >&2
    # anthropic<1: the unpinned 2.x fails to build an anthropic-type provider.
    "$dir/venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        "kimi-cli==$KIMI_VERSION" 'anthropic<1' >&2
    touch "$dir/.complete"
    link_cli kimi "$dir/venv/bin/kimi"
}

install_vibe
install_openhands
install_kimi

echo "$BIN"
