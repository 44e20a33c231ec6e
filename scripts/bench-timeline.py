#!/usr/bin/env python3
"""Where a `spawn --wait` around the real codex spends multiagent's own time, step by step: prints
figures, asserts nothing.

Each run is `multiagent spawn --wait --no-worktree` against the fake model server (each after a
bare codex run and a pause, as bench-lifecycle.py interleaves them). The kernel's events, on the same
clock as this script's (`perf record -k mono`: process exec and exit, and the system calls that mark
the steps), give each run's timeline in milliseconds from this script's start of the command:

  spawn exec          the spawn's program starts
  supervisor started  the spawn starts its supervisor ahead (clone, from its first instructions)
  supervisor exec     the supervisor's program starts
  supervisor ready    the supervisor, loaded, first polls for the spawn's word
  word                the spawn says go (the agent recorded and its files written): its last send
  CLI launch          the supervisor starts the CLI (clone3)
  CLI exec            the CLI's program starts
  CLI exit seen       the supervisor's last wake-up before the settlement (the CLI's pidfd)
  settled             the supervisor ends the socket's stream (shutdown): the spawn may print
  spawn exit          the spawn calls exit_group
  end                 this script sees the command end

It prints each mark's median, then the medians of the steps between consecutive marks (per run).
The supervisor's start-up and the spawn's own work run side by side, so "supervisor ready" and
"word" come in either order: the later of the two is when the CLI's start can begin.
The bare runs give the reference: their exec comes ~0.7 ms after the script's start.

Usage: scripts/bench-timeline.py [--runs N] [--binary PATH]
Needs `perf` and the right to trace (root, or kernel.perf_event_paranoid <= -1), and the real codex
(scripts/install-real-clis.sh). Builds the release binary first unless --binary is given.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from bench_support import (CODEX_EXEC, codex_flags, release_binary, start_server, start_tracing, stop_tracing,
                           traced_lines)

EVENTS = ",".join([
    "sched:sched_process_exec", "sched:sched_process_exit", "syscalls:sys_enter_clone3",
    "syscalls:sys_enter_clone", "syscalls:sys_enter_vfork",
    "syscalls:sys_enter_sendto", "syscalls:sys_enter_poll", "syscalls:sys_exit_poll",
    "syscalls:sys_enter_shutdown", "syscalls:sys_enter_exit_group",
])
LINE = re.compile(r"^\s*(\S+)\s+(\d+)/(\d+)\s+(\d+\.\d+):\s+(\S+):\s*(.*)$")
ORDER = ["spawn exec", "supervisor started", "supervisor exec", "supervisor ready", "word", "CLI launch",
         "CLI exec", "CLI exit seen", "settled", "spawn exit", "end"]


def events_of(data):
    """(time, pid, event, rest) from a perf.data file, in order."""
    found = []
    for line in traced_lines(data):
        match = LINE.match(line)
        if match:
            found.append((float(match.group(4)), int(match.group(2)), match.group(5), match.group(6)))
    return sorted(found)


def marks_of(start, end, events):
    """The marks of one run (ms from `start`), or None when its processes were not all seen."""
    inside = [e for e in events if start <= e[0] <= end]
    execs = [e for e in inside if e[2] == "sched:sched_process_exec"][:3]
    if len(execs) < 3:
        return None
    spawn, supervisor, cli = (e[1] for e in execs)

    def first(pid, event, after=0.0):
        return next((t for t, p, e, _ in inside if p == pid and e == event and t >= after), None)

    marks = {"spawn exec": execs[0][0], "supervisor exec": execs[1][0], "CLI exec": execs[2][0], "end": end}
    # The supervisor is started from the spawn's first instructions (a fork: clone) or, in builds
    # before that, from its Swift code (posix_spawn: clone3).
    started = [t for t, p, e, _ in inside
               if p == spawn and e in ("syscalls:sys_enter_clone3", "syscalls:sys_enter_clone",
                                                  "syscalls:sys_enter_vfork")]
    marks["supervisor started"] = started[0] if started else None
    marks["supervisor ready"] = first(supervisor, "syscalls:sys_enter_poll")
    # The word is the spawn's last send before the CLI starts (an early supervisor is first sent
    # its start line).
    sends = [t for t, p, e, _ in inside
             if p == spawn and e == "syscalls:sys_enter_sendto" and t < execs[2][0]]
    marks["word"] = sends[-1] if sends else None
    marks["CLI launch"] = first(supervisor, "syscalls:sys_enter_clone3")
    marks["settled"] = first(supervisor, "syscalls:sys_enter_shutdown")
    marks["spawn exit"] = first(spawn, "syscalls:sys_enter_exit_group", execs[2][0])
    if marks["settled"] is not None:
        wakes = [t for t, p, e, _ in inside
                 if p == supervisor and e == "syscalls:sys_exit_poll" and t < marks["settled"]]
        marks["CLI exit seen"] = wakes[-1] if wakes else None
    if any(marks.get(name) is None for name in ORDER):
        return None
    return {name: (marks[name] - start) * 1000 for name in ORDER}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=30, help="runs (default 30)")
    ap.add_argument("--binary", help="the multiagent build (default: the release build, built first)")
    args = ap.parse_args()
    if not shutil.which("perf"):
        sys.exit("bench-timeline: needs perf (linux-perf)")
    binary = release_binary(args.binary)
    cache = os.environ.get("MULTIAGENT_CLI_CACHE", os.path.expanduser("~/.cache/multiagent-clis"))
    bin_dir = os.path.join(cache, "bin")
    if not os.access(os.path.join(bin_dir, "codex"), os.X_OK):
        sys.exit("bench-timeline: codex is not installed; run scripts/install-real-clis.sh")

    work = tempfile.mkdtemp(prefix="multiagent-timeline-")
    server, port = start_server(work)
    try:
        env = {"HOME": os.path.join(work, "user"), "PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin", "TZ": "UTC",
               "CODEX_API_KEY": "bench", "CODEX_HOME": os.path.join(work, "codex-home")}
        ws, home = os.path.join(work, "ws"), os.path.join(work, "home")
        for folder in (env["HOME"], env["CODEX_HOME"], ws, home):
            os.makedirs(folder)
        flags = codex_flags(port)
        with open(os.path.join(home, "providers.json"), "w") as f:
            json.dump({"providers": {"codex": {"arguments": CODEX_EXEC + flags}}}, f)
        spawn = [binary, "--home", home, "spawn", "--provider", "codex", "--no-worktree", "--cwd", ws, "--wait",
                 "Say OK."]
        bare = ["codex", "exec"] + CODEX_EXEC + flags + ["Say OK."]
        for argv in (spawn, spawn, bare):  # warm-up: the store's creation, the first spare folder
            subprocess.run(argv, env=env, cwd=ws, capture_output=True)
        data = os.path.join(work, "perf.data")
        perf = start_tracing(EVENTS, data, "bench-timeline")
        spans = []
        for _ in range(args.runs):
            time.sleep(0.1)
            subprocess.run(bare, env=env, cwd=ws, capture_output=True)
            time.sleep(0.1)
            start = time.monotonic()
            proc = subprocess.run(spawn, env=env, cwd=ws, stdin=subprocess.DEVNULL, capture_output=True)
            spans.append((start, time.monotonic()))
            if proc.returncode != 0:
                sys.exit(f"bench-timeline: spawn --wait exited {proc.returncode}: {proc.stderr[-500:]!r}")
        stop_tracing(perf)
        events = events_of(data)
    finally:
        server.stdin.close()
        server.wait()

    runs = [m for m in (marks_of(s, e, events) for s, e in spans) if m]
    if not runs:
        sys.exit("bench-timeline: no run seen whole (perf lost the events?)")
    print(f"codex spawn --wait, {len(runs)} of {args.runs} runs seen whole (ms from the command's start, medians)\n")
    for name in ORDER:
        print(f"  {name:20} {statistics.median(r[name] for r in runs):8.2f}")
    print("\nsteps (medians of each run's differences)")
    for before, after in zip(ORDER, ORDER[1:]):
        step = statistics.median(r[after] - r[before] for r in runs)
        print(f"  {before:>20} -> {after:20} {step:7.2f}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
