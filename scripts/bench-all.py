#!/usr/bin/env python3
"""Every benchmark in one run, then one table of the figures the targets are about: prints figures,
asserts nothing.

In order, on one build and one machine (named at the top):
  1. parse throughput against Python's `json.loads` (`.build/release/multiagent-bench`);
  2. the agent lifecycle (scripts/bench-lifecycle.py): `spawn --wait --no-worktree` against the bare
     claude and codex and, for claude, a Python script using claude-agent-sdk's `query()`, all on the
     same prompt and fake model server; multiagent's own cost; supervisor RSS; `list --json` with
     10,000 agents; the account failover;
  3. the load (scripts/bench-load.py): 200 agents streaming stream-json at once.
Each step's own output is printed as it comes; the summary at the end is read from those outputs.

Usage: scripts/bench-all.py [--runs N] [--skip-sdk] [--load-agents N] [--load-seconds S]
       [--load-rate R] [--binary PATH] [--megabytes N]
Builds the release products first unless --binary is given (the parse benchmark then comes from
.build/release too). Needs what the steps need: the real CLIs (scripts/install-real-clis.sh) and,
unless --skip-sdk, the SDK (scripts/install-sdk.sh). Run it on an idle machine: ~7 minutes with the
defaults on 2 cores.
"""

import argparse
import os
import platform
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def machine():
    """One line naming the machine: processors, memory, system, Swift."""
    memory = "?"
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    memory = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    system = platform.platform()
    try:
        with open("/etc/os-release") as f:
            fields = dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)
            system = fields.get("PRETTY_NAME", system).strip('"') + ", Linux " + platform.release()
    except OSError:
        pass
    swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()
    return f"{os.cpu_count()} processors, {memory}, {system}, {swift[0] if swift else 'swift ?'}"


def step(title, argv):
    """Runs one benchmark, its output shown as it comes and kept: (exit status, output)."""
    print(f"\n=== {title}: {' '.join(argv)}\n", flush=True)
    started = time.monotonic()
    process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in process.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        lines.append(line)
    status = process.wait()
    print(f"\n=== {title}: exit {status}, {time.monotonic() - started:.0f} s", flush=True)
    return status, "".join(lines)


def find(pattern, text, default="—"):
    """The first group of `pattern` in `text` (multiline), or `default`."""
    match = re.search(pattern, text, re.MULTILINE)
    return match.group(1) if match else default


def summary(parse, lifecycle, load):
    """The rows of the summary table: (what, figure, target)."""
    rows = []
    for dialect in ("claude-stream-json", "codex-exec-json"):
        match = re.search(rf"^{dialect}\s+([\d.]+)\s+\d+\s+([\d.]+)\s+([\d.]+)x", parse, re.MULTILINE)
        figure = f"{match.group(1)} MB/s vs {match.group(2)} MB/s ({match.group(3)}×)" if match else "—"
        rows.append((f"parse {dialect} vs json.loads", figure, "≥ 2×"))
    rss = []
    for provider in ("claude", "codex"):
        match = re.search(rf"^{provider}\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(\S+)\s+(\S+)\s+"
                          r"([\d.]+)\s+([\d.]+)\s*$", lifecycle, re.MULTILINE)
        figure = "—"
        if match:
            figure = (f"bare {match.group(1)} s, spawned {match.group(2)} s: ratio {match.group(3)} "
                      f"(paired {match.group(4)})")
            means = re.compile(r"means: .*?ratio ([\d.]+); slowest: bare ([\d.]+) s, spawn --wait ([\d.]+) s")
            tail = means.search(lifecycle, match.end())
            if tail:
                figure += f"; means' ratio {tail.group(1)}, slowest spawn {tail.group(3)} s (bare {tail.group(2)} s)"
            if match.group(5) != "-":
                figure += f"; SDK query() script {match.group(5)} s (spawn ÷ SDK {match.group(6)})"
            rss.append(f"{match.group(8)} MB ({provider})")
        rows.append((f"spawn --wait vs bare {provider}", figure, "ratio ≤ 1.05"))
    rows.append(("multiagent's own cost (instant CLI)",
                 find(r"own cost per spawn --wait \([^)]*\): ([\d.]+ ms)", lifecycle), "—"))
    rows.append(("supervisor peak RSS", ", ".join(rss) or "—", "≤ 16 MB"))
    rows.append(("list --json, 10,000 agents",
                 find(r"^list --json with \d+ agents, output to a file: ([\d.]+ ms)", lifecycle), "≤ 50 ms"))
    failover = find(r"usage-limit reply on A -> first request on B: ([\d.]+ s)", lifecycle)
    overhead = find(r"own failover overhead: ([\d.]+ s)", lifecycle)
    rows.append(("account failover (limit on A → request on B)", f"{failover} ({overhead} over the CLI's start-up)",
                 "≤ start-up + 1 s"))
    rows.append(("load: supervisors' CPU", find(r"^supervisors CPU\s+(.+)$", load), "≤ 10% of one core"))
    rows.append(("load: supervisor peak RSS", find(r"^supervisor peak RSS\s+(.+)$", load), "≤ 16 MB"))
    rows.append(("load: events through events --follow", find(r"^events through events --follow\s+(.+)$", load),
                 "—"))
    rows.append(("load: list --json while running", find(r"^list --json while running\s+(.+)$", load), "—"))
    rows.append(("load: lost", find(r"^lost\s+(\d+)", load), "0"))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=9, help="lifecycle rounds (bench-lifecycle.py --runs)")
    ap.add_argument("--skip-sdk", action="store_true", help="no claude-agent-sdk column")
    ap.add_argument("--load-agents", type=int, default=200)
    ap.add_argument("--load-seconds", type=float, default=60)
    ap.add_argument("--load-rate", type=float, default=2, help="lines a second per stand-in CLI")
    ap.add_argument("--megabytes", type=int, default=64, help="parse corpus per dialect")
    ap.add_argument("--binary", help="the multiagent executable (default: build the release products)")
    args = ap.parse_args()

    if not args.binary:
        for product in ("multiagent", "multiagent-bench"):
            subprocess.run(["swift", "build", "-c", "release", "--product", product], cwd=ROOT, check=True,
                           stdout=subprocess.DEVNULL)
    binary = os.path.abspath(args.binary or os.path.join(ROOT, ".build", "release", "multiagent"))
    bench = os.path.join(ROOT, ".build", "release", "multiagent-bench")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip() or "?"
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"multiagent benchmarks, {started}, build {commit}\nmachine: {machine()}", flush=True)

    outputs = {}
    failed = []
    steps = [
        ("parse", [bench, "--runs", "3", "--megabytes", str(args.megabytes)]),
        ("lifecycle", [sys.executable, "scripts/bench-lifecycle.py", "--binary", binary, "--runs", str(args.runs)]
         + (["--skip-sdk"] if args.skip_sdk else [])),
        ("load", [sys.executable, "scripts/bench-load.py", "--binary", binary, "--agents", str(args.load_agents),
                  "--seconds", f"{args.load_seconds:g}", "--rate", f"{args.load_rate:g}"]),
    ]
    for title, argv in steps:
        if title == "parse" and not os.path.exists(bench):
            print(f"\n=== parse: {bench} is missing; build it with swift build -c release --product "
                  "multiagent-bench", flush=True)
            failed.append(title)
            outputs[title] = ""
            continue
        status, outputs[title] = step(title, argv)
        if status != 0:
            failed.append(title)

    print(f"\n=== summary ({started}, build {commit}; {machine()})\n")
    print("| measure | figure | target |\n|---|---|---|")
    for what, figure, target in summary(outputs["parse"], outputs["lifecycle"], outputs["load"]):
        print(f"| {what} | {figure} | {target} |")
    if failed:
        print(f"\nsteps that failed: {', '.join(failed)} (their output is above)")
        sys.exit(1)


if __name__ == "__main__":
    main()
