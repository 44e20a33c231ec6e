#!/usr/bin/env python3
"""Load benchmark: many concurrent agents streaming stream-json; prints figures, asserts nothing
(but says LOST when an agent or a byte went missing).

N agents (default 200) on one home, each a stand-in CLI that speaks Claude Code's stream-json (the
lines of a recorded real transcript, its session id replaced) at a steady rate for a while, then a
result line. While they run, `events --follow` counts events and `list --json` is timed. Figures:

- multiagent's own CPU: every supervisor's CPU seconds (each reports them in its log when it ends),
  per MB of agent output and as a share of one core over the run; the `events --follow` process too;
- peak RSS of a supervisor (max and median);
- events/s through `events --follow`;
- `list --json` latency while the agents run (median, p95, max);
- lost: agents not completed, logs whose size differs from what their CLI wrote, logs not parsed to
  their end (parse_offset), processes left behind.

Usage: scripts/bench-load.py [--agents 200] [--seconds 30] [--rate 10] [--binary PATH] [--keep]
Builds the release binary first unless --binary is given. Needs only python3.
"""

import argparse
import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from bench_support import release_binary, write_executable

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRANSCRIPT = os.path.join(ROOT, "Tests", "ProvidersTests", "Fixtures", "claude", "tool-use.jsonl")

# The stand-in CLI: the transcript's init line, then its middle lines over and over at --rate lines
# a second for --seconds, then its result line. The session id is the one multiagent pins with
# --session-id. It writes how many bytes it printed next to itself, for the bench to check.
FAKE_CLI = r'''#!/usr/bin/env python3
import os, sys, time
args = sys.argv[1:]
session = args[args.index("--session-id") + 1] if "--session-id" in args else "00000000-0000-4000-8000-000000000000"
lines = [l.rstrip("\n") for l in open(os.environ["LOAD_TRANSCRIPT"]) if l.strip()]
old = "674e5cba-6736-4ee6-a404-963308d9c734"
lines = [l.replace(old, session) for l in lines]
first, middle, last = lines[0], lines[1:-1], lines[-1]
rate = float(os.environ["LOAD_RATE"]); seconds = float(os.environ["LOAD_SECONDS"])
out = sys.stdout
written = 0
def emit(line):
    global written
    data = line + "\n"
    out.write(data); out.flush()
    written += len(data.encode())
emit(first)
start = time.monotonic(); n = 0
while time.monotonic() - start < seconds:
    emit(middle[n % len(middle)]); n += 1
    delay = start + n / rate - time.monotonic()
    if delay > 0: time.sleep(delay)
emit(last)
with open(os.path.join(os.environ["LOAD_COUNTS"], session), "w") as f:
    f.write(str(written))
'''


def run(argv, env, check=True):
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if check and proc.returncode != 0:
        sys.exit(f"bench-load: {' '.join(argv[:5])}… exited {proc.returncode}: {proc.stderr[-2000:]}")
    return time.perf_counter() - start, proc


def proc_cpu_seconds(pid):
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return None


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--agents", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=30, help="how long each CLI streams")
    ap.add_argument("--rate", type=float, default=10, help="lines a second per CLI")
    ap.add_argument("--binary")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    args = ap.parse_args()

    binary = release_binary(args.binary)

    work = tempfile.mkdtemp(prefix="multiagent-load-")
    home, counts, ws = (os.path.join(work, name) for name in ("home", "counts", "ws"))
    for folder in (home, counts, ws, os.path.join(work, "user")):
        os.makedirs(folder)
    fake = write_executable(os.path.join(work, "fake-claude"), FAKE_CLI)
    with open(os.path.join(home, "providers.json"), "w") as f:
        json.dump({"providers": {"loadcli": {"extends": "claude", "binary": fake}}}, f)
    env = {"HOME": os.path.join(work, "user"), "PATH": "/usr/local/bin:/usr/bin:/bin", "TZ": "UTC",
           "LOAD_TRANSCRIPT": TRANSCRIPT, "LOAD_RATE": str(args.rate), "LOAD_SECONDS": str(args.seconds),
           "LOAD_COUNTS": counts}
    ma = [binary, "--home", home]

    print(f"multiagent load benchmark: {args.agents} agents, each streaming {args.rate:g} stream-json "
          f"lines/s for {args.seconds:g} s, on {os.cpu_count()} cores\n")
    run(ma + ["list"], env)
    follower = subprocess.Popen(ma + ["--json", "events", "--follow"], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
    event_times = []

    def count_events():
        for _ in follower.stdout:
            event_times.append(time.monotonic())
    reader = threading.Thread(target=count_events, daemon=True)
    reader.start()

    children_before = os.times()
    start = time.monotonic()
    spawn_times = []
    for i in range(args.agents):
        elapsed, _ = run(ma + ["spawn", "--provider", "loadcli", "--no-worktree", "--cwd", ws, "--name",
                               f"load-{i}", f"Task number {i}: stream."], env)
        spawn_times.append(elapsed)
    spawned = time.monotonic()
    spawn_cpu = (os.times().children_user + os.times().children_system
                 - children_before.children_user - children_before.children_system)

    # While they run: list latency, once a second.
    list_times = []
    while True:
        elapsed, proc = run(ma + ["--json", "list", "--all"], env)
        list_times.append(elapsed)
        records = json.loads(proc.stdout)
        if all(r["status"] in ("completed", "failed", "stopped", "crashed", "waiting_for_input")
               for r in records):
            break
        if time.monotonic() - start > args.seconds * 4 + 120:
            print("bench-load: agents still running after the deadline")
            break
        time.sleep(1)
    finished = time.monotonic()
    time.sleep(1.5)  # the last events reach the follower
    follower_cpu = proc_cpu_seconds(follower.pid)
    follower.terminate()
    follower.wait(timeout=10)

    # Per agent: the supervisor's own report, the log against what the CLI wrote, the parse offset.
    cpu, rss, lost, out_bytes = [], [], [], 0
    db = sqlite3.connect(os.path.join(home, "state.db"))
    rows = db.execute("SELECT id, name, status, session_id, parse_offset FROM agents").fetchall()
    for agent_id, name, status, session, offset in rows:
        folder = os.path.join(home, "agents", agent_id)
        log = os.path.join(folder, "output.log")
        size = os.path.getsize(log) if os.path.exists(log) else -1
        try:
            expected = int(open(os.path.join(counts, session or "-")).read())
        except OSError:
            expected = None
        out_bytes += max(size, 0)
        if status != "completed" or expected != size or offset != size:
            lost.append(f"{name}: status={status} log={size} cli_wrote={expected} parsed_to={offset}")
        text = open(os.path.join(folder, "supervisor.log")).read() if os.path.exists(
            os.path.join(folder, "supervisor.log")) else ""
        usage = re.findall(r"cpu_seconds=([0-9.]+) max_rss_kb=([0-9]+)", text)
        if usage:
            cpu.append(sum(float(c) for c, _ in usage))
            rss.append(max(int(r) for _, r in usage) / 1024)
    leftover = subprocess.run(["pgrep", "-f", home], capture_output=True, text=True).stdout.split()
    run_seconds = finished - spawned
    mb = out_bytes / 1e6
    total_cpu = sum(cpu)

    print(f"{'agents':34} {len(rows)}")
    print(f"{'agent output':34} {mb:.1f} MB ({mb / max(run_seconds, 1e-9):.2f} MB/s) over {run_seconds:.1f} s")
    print(f"{'spawn':34} median {statistics.median(spawn_times) * 1000:.1f} ms, "
          f"{args.agents} in {spawned - start:.1f} s, {spawn_cpu:.2f} CPU s")
    print(f"{'supervisors CPU':34} {total_cpu:.2f} s = {total_cpu / max(mb, 1e-9):.3f} s per MB = "
          f"{100 * total_cpu / max(run_seconds, 1e-9):.1f}% of one core")
    if follower_cpu is not None:
        print(f"{'events --follow CPU':34} {follower_cpu:.2f} s = "
              f"{100 * follower_cpu / max(run_seconds, 1e-9):.1f}% of one core")
    if rss:
        print(f"{'supervisor peak RSS':34} max {max(rss):.1f} MB, median {statistics.median(rss):.1f} MB")
    window = [t for t in event_times if spawned <= t <= finished]
    print(f"{'events through events --follow':34} {len(event_times)} "
          f"({len(window) / max(run_seconds, 1e-9):.0f}/s while running)")
    print(f"{'list --json while running':34} median {statistics.median(list_times) * 1000:.1f} ms, "
          f"p95 {percentile(list_times, 0.95) * 1000:.1f} ms, max {max(list_times) * 1000:.1f} ms "
          f"({len(list_times)} samples)")
    print(f"{'processes left':34} {len(leftover)}")
    print(f"{'lost':34} {len(lost)}")
    for line in lost[:20]:
        print(f"  LOST {line}")
    if args.keep:
        print(f"\nwork folder kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if lost or leftover else 0


if __name__ == "__main__":
    sys.exit(main())
