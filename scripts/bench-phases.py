#!/usr/bin/env python3
"""Where `spawn --wait` spends its time around the real codex (or claude): prints figures, asserts
nothing.

The bare `codex exec` (or `claude -p`) and `multiagent spawn --wait --no-worktree` (one or more
builds) run alternated, in shuffled order, against the fake model server. The kernel's scheduler events
(`perf record -e sched:sched_process_exec,sched:sched_process_exit`, on the same clock as this
script's) split each run in three:
  start  this script starts the command -> the CLI's exec
  life   the CLI's exec -> its last thread exiting
  end    the CLI's last thread exiting -> this script sees the command exit
multiagent's own cost is what it adds to start and end; the life of codex under it differs from the
bare runs only by the machine's noise (a few ms either way between sets), which the whole-run ratio
of scripts/bench-lifecycle.py carries along. Claude under multiagent runs in its live mode (the
prompt on standard input, which the supervisor closes once the turn's result came), so its life
includes that exchange.

Usage: scripts/bench-phases.py [--runs N] [--binary PATH[,PATH…]] [--cli codex|claude]
Needs `perf` and the right to trace the scheduler (root, or kernel.perf_event_paranoid <= -1), and the
real CLI (scripts/install-real-clis.sh). Builds the release binary first unless --binary is given.
"""

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

from bench_support import (CODEX_EXEC, codex_flags, release_binary, start_server, start_tracing, stop_tracing,
                           traced_lines)

EVENTS = "sched:sched_process_exec,sched:sched_process_exit"
LINE = re.compile(r"\s(\d+)/\d+\s+(\d+\.\d+):\s+sched:sched_process_(exec|exit):\s+(.*)")


def run(argv, env, cwd):
    """Runs `argv` to its end, its output read through pipes: its start and end on the monotonic clock."""
    start = time.monotonic()
    argv = [str(uuid.uuid4()) if word == "{session}" else word for word in argv]
    proc = subprocess.run(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True)
    end = time.monotonic()
    if proc.returncode != 0:
        sys.exit(f"bench-phases: {' '.join(argv[:5])}… exited {proc.returncode}: {proc.stderr[-1000:]!r}")
    return start, end


def scheduler_events(data):
    """(time, process id, 'exec' with the file's name | 'dead') from a perf.data file, in order."""
    events = []
    for line in traced_lines(data):
        match = LINE.search(line)
        if not match:
            continue
        pid, when, kind, rest = int(match.group(1)), float(match.group(2)), match.group(3), match.group(4)
        if kind == "exec":
            events.append((when, pid, os.path.basename(re.search(r"filename=(\S+)", rest).group(1))))
        elif "group_dead=true" in rest:
            events.append((when, pid, "dead"))
    return sorted(events)


def phases(start, end, events, cli):
    """(start, life, end) in ms of one run, from the CLI's exec and death within it; None if unseen."""
    inside = [e for e in events if start <= e[0] <= end]
    execs = [e for e in inside if e[2] == cli]
    if not execs:
        return None
    deaths = [e for e in inside if e[2] == "dead" and e[1] == execs[0][1]]
    if not deaths:
        return None
    exec_time, death = execs[0][0], deaths[0][0]
    return (exec_time - start) * 1000, (death - exec_time) * 1000, (end - death) * 1000


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=40, help="runs of each (default 40)")
    ap.add_argument("--binary", help="multiagent builds to compare, comma-separated")
    ap.add_argument("--cli", choices=("codex", "claude"), default="codex", help="the real CLI (default codex)")
    args = ap.parse_args()
    cli = args.cli
    if not shutil.which("perf"):
        sys.exit("bench-phases: needs perf (linux-perf)")
    binaries = [release_binary(b) for b in args.binary.split(",")] if args.binary else [release_binary()]
    cache = os.environ.get("MULTIAGENT_CLI_CACHE", os.path.expanduser("~/.cache/multiagent-clis"))
    bin_dir = os.path.join(cache, "bin")
    if not os.access(os.path.join(bin_dir, cli), os.X_OK):
        sys.exit(f"bench-phases: {cli} is not installed; run scripts/install-real-clis.sh")

    work = tempfile.mkdtemp(prefix="multiagent-phases-")
    server, port = start_server(work)
    try:
        env = {"HOME": os.path.join(work, "user"), "PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin", "TZ": "UTC",
               "CODEX_API_KEY": "bench", "CODEX_HOME": os.path.join(work, "codex-home"),
               "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{port}", "ANTHROPIC_API_KEY": "bench",
               "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "CLAUDE_CODE_MAX_RETRIES": "0",
               "IS_SANDBOX": "1", "CLAUDE_CONFIG_DIR": os.path.join(work, "claude-config")}
        ws = os.path.join(work, "ws")
        for folder in (env["HOME"], env["CODEX_HOME"], env["CLAUDE_CONFIG_DIR"], ws):
            os.makedirs(folder)
        flags = codex_flags(port)
        if cli == "codex":
            bare = ["codex", "exec"] + CODEX_EXEC + flags + ["Say OK."]
        else:
            # A pinned session id, as multiagent passes one; every run starts a new session.
            bare = ["claude", "-p", "--output-format", "stream-json", "--verbose",
                    "--dangerously-skip-permissions", "--session-id", "{session}", "Say OK."]
        commands = {f"bare {cli}": bare}
        for i, binary in enumerate(binaries):
            home = os.path.join(work, f"home{i}")
            os.makedirs(home)
            with open(os.path.join(home, "providers.json"), "w") as f:
                json.dump({"providers": {"codex": {"arguments": CODEX_EXEC + flags}}}, f)
            name = binary if len(binaries) > 1 else "spawn --wait"
            commands[name] = [binary, "--home", home, "spawn", "--provider", cli, "--no-worktree",
                              "--cwd", ws, "--wait", "Say OK."]
        for argv in commands.values():
            run(argv, env, ws)  # warm-up: the CLI's first run in its home, the store's creation
        data = os.path.join(work, "perf.data")
        perf = start_tracing(EVENTS, data, "bench-phases")
        runs = []
        for _ in range(args.runs):
            names = list(commands)
            random.shuffle(names)
            for name in names:
                runs.append((name, *run(commands[name], env, ws)))
                time.sleep(0.08)  # the previous run's processes gone
        stop_tracing(perf)
        events = scheduler_events(data)
    finally:
        server.stdin.close()
        server.wait()

    split = {name: [] for name in commands}
    for name, start, end in runs:
        measured = phases(start, end, events, cli)
        if measured:
            split[name].append(measured)
    print(f"{cli} bare vs spawn --wait, {args.runs} runs each, alternated (ms, medians)\n")
    print(f"{'':24} {'start':>7} {'life':>8} {'end':>7} {'total':>8}   n")
    base = None
    for name, rows in split.items():
        if not rows:
            print(f"{name:24} (no run seen: perf lost the events?)")
            continue
        start, life, end = (statistics.median(r[i] for r in rows) for i in range(3))
        total = statistics.median(sum(r) for r in rows)
        print(f"{os.path.basename(name)[:24]:24} {start:7.2f} {life:8.2f} {end:7.2f} {total:8.2f}  {len(rows):3}")
        if base is None:
            base = (start, life, end, total)
        else:
            own = start - base[0] + end - base[2]
            print(f"{'':24} multiagent's own cost (start + end over bare): {own:.2f} ms, "
                  f"{own / base[3] * 100:.1f}% of the bare run; {cli}'s life {life - base[1]:+.2f} ms")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
