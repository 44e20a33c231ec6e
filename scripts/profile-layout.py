#!/usr/bin/env python3
"""Writes Link/hot-symbols.txt: the functions a supervisor and the everyday commands run, then the
data they touch (the data they write first), in the order the release link lays them out (lld
--symbol-ordering-file, see Package.swift).

Why: the kernel maps a program's code 64 KB at a time around each page it touches (fault-around),
so a process's resident code is the 64 KB windows its functions fall in, not the functions. The
few thousand functions a supervisor runs are spread over the whole 20 MB of code by default; laid
out together they fill a few MB, and every supervisor and command starts with fewer page faults and
less memory (see BENCHMARKS.md). The same holds for data: every page of the program's writable
data (`.data`) a process writes is copied for it, every page of its zero-filled data (`.bss`) it
touches is allocated, and the variables the runtime, Foundation, SQLite and this program use at
start-up were spread so that they cost each process ~120 page faults; packed together, ~70
(`Link/README.md`).

How: runs the release binary under valgrind's callgrind (instruction addresses) through a session
with stand-in CLIs that replay recorded claude and codex transcripts — `spawn --wait` on each, a
question answered, and `list`, `show`, `logs`, `result`, `events`, `wait` — maps every executed
address to its symbol (nm), and writes the supervisors' symbols first, then the commands'. Then runs
the same session under valgrind's lackey (every data address read or written) and appends the data
symbols touched: those written first, then those only read.

Usage: scripts/profile-layout.py [--binary PATH] [--out Link/hot-symbols.txt]
Needs valgrind and binutils (nm, readelf). Builds the release binary first unless --binary is given.
Re-run it after large changes to the supervision loop or the commands; a stale file only costs
memory (lld skips the symbols it does not find).
"""

import argparse
import bisect
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from bench_support import release_binary, write_executable

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Tests", "ProvidersTests", "Fixtures")

# A stand-in CLI: prints a recorded transcript (its session id swapped for the pinned one, if any);
# with LAYOUT_ASK set, the first run asks a question through the signal file.
FAKE_CLI = r'''#!/usr/bin/env python3
import json, os, sys
args = sys.argv[1:]
asked = os.path.join(os.environ["LAYOUT_WORK"], "asked")
if os.environ.get("LAYOUT_ASK") and not os.path.exists(asked):
    open(asked, "w").close()
    with open(os.environ["MULTIAGENT_SIGNAL_FILE"], "w") as f:
        json.dump({"status": "questions", "questions": [{"id": "q1", "question": "Which?",
                   "options": ["a", "b"]}]}, f)
lines = [l.rstrip("\n") for l in open(os.environ["LAYOUT_TRANSCRIPT"]) if l.strip()]
for flag in ("--session-id", "--resume"):
    if flag not in args:
        continue
    session = args[args.index(flag) + 1]
    lines = [l.replace("674e5cba-6736-4ee6-a404-963308d9c734", session) for l in lines]
for line in lines:
    print(line, flush=True)
'''


def valgrind(tool_args, argv, env):
    """Runs argv under valgrind, following multiagent children (the supervisor) but not the CLIs."""
    cmd = ["valgrind"] + tool_args + ["--trace-children=yes",
                                      "--trace-children-skip=*python*,*fake-*,/usr/bin/*,/bin/*"] + argv
    proc = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=600)
    if proc.returncode not in (0, 3):
        sys.exit(f"profile-layout: {' '.join(argv[1:6])}… exited {proc.returncode}: {proc.stderr[-1500:]}")
    return proc.stdout


def callgrind(argv, env, out_dir, tag):
    """Runs argv under callgrind (instruction addresses), one file per process in out_dir."""
    return valgrind(["--tool=callgrind", "--dump-instr=yes", f"--callgrind-out-file={out_dir}/{tag}.%p"],
                    argv, env)


def lackey(argv, env, out_dir, tag):
    """Runs argv under lackey (every memory access), one log per process in out_dir."""
    return valgrind(["--tool=lackey", "--trace-mem=yes", f"--log-file={out_dir}/{tag}.%p"], argv, env)


def session(binary, work, run, out):
    """The profiled session, in its own home under `work`: each command through `run(argv, env,
    out, tag)`."""
    home, ws, user = (os.path.join(work, n) for n in ("home", "ws", "user"))
    for folder in (home, ws, user, out):
        os.makedirs(folder)
    fake = write_executable(os.path.join(work, "fake-cli"), FAKE_CLI)
    with open(os.path.join(home, "providers.json"), "w") as f:
        json.dump({"providers": {"layoutclaude": {"extends": "claude", "binary": fake},
                                 "layoutcodex": {"extends": "codex", "binary": fake}}}, f)
    base = {"HOME": user, "PATH": "/usr/local/bin:/usr/bin:/bin", "TZ": "UTC", "LAYOUT_WORK": work}
    claude = dict(base, LAYOUT_TRANSCRIPT=os.path.join(FIXTURES, "claude", "tool-use.jsonl"))
    codex = dict(base, LAYOUT_TRANSCRIPT=os.path.join(FIXTURES, "codex", "hello.jsonl"))
    ma = [binary, "--home", home]
    spawn = ["spawn", "--no-worktree", "--cwd", ws]
    run(ma + spawn + ["--wait", "--provider", "layoutclaude", "--name", "c1", "Say hello."], claude, out, "spawn")
    run(ma + spawn + ["--wait", "--provider", "layoutcodex", "--name", "x1", "Say hello."], codex, out, "spawn")
    asking = dict(claude, LAYOUT_ASK="1")
    run(ma + spawn + ["--provider", "layoutclaude", "--name", "q1", "Ask first."], asking, out, "spawn")
    run(ma + ["wait", "q1"], asking, out, "wait")
    run(ma + ["questions", "q1"], asking, out, "questions")
    run(ma + ["answer", "q1", "--answer", "q1=a"], asking, out, "answer")
    run(ma + ["wait", "q1"], asking, out, "wait")
    for words in (["list"], ["--json", "list", "--all"], ["show", "c1"], ["logs", "c1"], ["result", "x1"],
                  ["--json", "events"]):
        run(ma + words, claude, out, "command")


def touched_data(path, symbols, starts, low, high):
    """The data symbols a lackey log (--trace-mem=yes) shows touched in [low, high), in the order
    of their first access, and those written."""
    order, seen, written = [], set(), set()
    with open(path, "rb") as log:
        for line in log:
            if line[:1] != b" " or line[1:2] not in (b"L", b"S", b"M"):
                continue
            address = int(line[3:line.index(b",")], 16)
            if not low <= address < high:
                continue
            index = bisect.bisect_right(starts, address) - 1
            if index < 0 or address >= symbols[index][0] + symbols[index][1]:
                continue
            name = symbols[index][2]
            if name not in seen:
                seen.add(name)
                order.append(name)
            if line[1:2] != b"L":
                written.add(name)
    return order, written


def data_symbols(binary, logs):
    """The data symbols the lackey logs show touched: written ones first, then those only read.
    Each log is removed once read (a few hundred MB each)."""
    sections = {}
    for line in subprocess.run(["readelf", "-SW", binary], capture_output=True, text=True, check=True).stdout.splitlines():
        parts = line.replace("[ ", "[").split()
        if len(parts) > 5 and parts[1] in (".data.rel.ro", ".data", ".rodata", ".bss"):
            sections[parts[1]] = (int(parts[3], 16), int(parts[5], 16))
    low = min(start for start, _ in sections.values())
    high = max(start + size for start, size in sections.values())
    symbols = []
    for line in subprocess.run(["nm", "-S", "--defined-only", binary], capture_output=True, text=True,
                               check=True).stdout.splitlines():
        parts = line.split()
        if len(parts) == 4 and low <= int(parts[0], 16) < high and int(parts[1], 16) > 0:
            symbols.append((int(parts[0], 16), int(parts[1], 16), parts[3]))
    symbols.sort()
    starts = [start for start, _, _ in symbols]
    order, seen, written = [], set(), set()
    for path in logs:
        found, wrote = touched_data(path, symbols, starts, low, high)
        written |= wrote
        for name in found:
            if name not in seen:
                seen.add(name)
                order.append(name)
        os.remove(path)
    return [n for n in order if n in written] + [n for n in order if n not in written], len(written)


def executed_addresses(path, binary_name):
    """The instruction addresses a callgrind file (--dump-instr=yes) records in the binary, and
    whether the process was a supervisor."""
    names, current, address, found = {}, None, 0, set()
    supervisor = False
    for line in open(path, errors="replace"):
        if line.startswith("cmd:"):
            supervisor = " __supervise " in line
        if line.startswith(("ob=", "cob=")):
            m = re.match(r"c?ob=\((\d+)\)(?: (.*))?", line.strip())
            if m:
                if m.group(2):
                    names[m.group(1)] = m.group(2)
                if line.startswith("ob="):
                    current = names.get(m.group(1))
            continue
        if not line or line[0] not in "0123456789+-*":
            continue
        token = line.split()[0]
        if token.startswith("0x"):
            address = int(token, 16)
        elif token[0] in "+-":
            step = int(token[1:], 16) if token[1:].startswith("0x") else int(token[1:])
            address += step if token[0] == "+" else -step
        elif token != "*":
            continue
        if current and os.path.basename(current) == binary_name:
            found.add(address)
    return supervisor, found


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary")
    ap.add_argument("--out", default=os.path.join(ROOT, "Link", "hot-symbols.txt"))
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    args = ap.parse_args()
    for tool in ("valgrind", "nm", "readelf"):
        if not shutil.which(tool):
            sys.exit(f"profile-layout: needs {tool} on PATH")
    binary = os.path.realpath(release_binary(args.binary))

    work = tempfile.mkdtemp(prefix="multiagent-layout-")
    out = os.path.join(work, "code", "callgrind")
    print("profile-layout: running a session under callgrind (a few minutes)…")
    session(binary, os.path.join(work, "code"), callgrind, out)

    symbols = []
    listing = subprocess.run(["nm", "-n", "--defined-only", binary], capture_output=True, text=True,
                             check=True).stdout
    for line in listing.splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3 and parts[1] in "tTwW":
            symbols.append((int(parts[0], 16), parts[2]))
    starts = [s for s, _ in symbols]
    supervisors, commands = set(), set()
    for path in sorted(glob.glob(os.path.join(out, "*"))):
        is_supervisor, found = executed_addresses(path, os.path.basename(binary))
        (supervisors if is_supervisor else commands).update(found)
    if not supervisors:
        sys.exit("profile-layout: no supervisor was profiled")

    ordered, seen = [], set()
    for group in (supervisors, commands - supervisors):
        for address in sorted(group):
            index = bisect.bisect_right(starts, address) - 1
            if index >= 0 and symbols[index][1] not in seen:
                seen.add(symbols[index][1])
                ordered.append(symbols[index][1])
    print("profile-layout: running the session again under lackey (every data access; a few minutes)…")
    lackey_out = os.path.join(work, "data", "lackey")
    session(binary, os.path.join(work, "data"), lackey, lackey_out)
    data, written = data_symbols(binary, sorted(glob.glob(os.path.join(lackey_out, "*"))))
    if not data:
        sys.exit("profile-layout: lackey recorded no data access")
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write("\n".join(ordered + data) + "\n")
    print(f"profile-layout: {len(ordered)} code symbols ({len(supervisors)} supervisor and "
          f"{len(commands)} command instruction addresses) and {len(data)} data symbols ({written} "
          f"written) -> {os.path.relpath(args.out, ROOT)}")
    if args.keep:
        print(f"profile-layout: work folder kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
