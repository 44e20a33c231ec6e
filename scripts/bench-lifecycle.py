#!/usr/bin/env python3
"""Lifecycle benchmark: prints figures, asserts nothing.

1. `multiagent spawn --wait --no-worktree` vs the bare CLI command on the same prompt, with the real
   claude and codex against the fake model server (three times --runs each), in rounds of one bare
   run, one spawn and one bare run given the whole prompt multiagent sends, in a random order, each
   after a pause (--pause: none runs in another's wake — a CLI's process group and helpers still
   exiting, the fake server still closing the last connection — and each starts as a command typed
   on an idle machine does): median wall times, the ratio of the medians, and the paired ratio —
   1 + the median of each spawn's excess over the bare run of its round, over the bare median —
   which the machine's drift moves
   less (target: within 5%, <= 1.05), with a 95% bootstrap interval of the paired ratio (the runs
   resampled) that says whether the runs can tell; the means and the slowest run of each, where a
   rare stall shows that the medians hide; for claude also a Python script
   calling claude-agent-sdk's `query()` (scripts/bench-sdk-query.py, same binary, same environment),
   timed as a whole process (interpreter start and import included) and without the import;
   and multiagent's own cost alone, with an instant stand-in CLI (free of the model's variance), also
   for the default spawn into a new worktree of a one-commit repository.
2. Supervisor CPU seconds and peak RSS per agent run, as each supervisor reports them in its log
   (target RSS <= 16 MB).
3. `multiagent --json list --all` wall time with 10,000 agents in the database, its output written to
   a file (target <= 50 ms); the same read whole through a pipe by this script, for comparison.
4. Account failover: time from account A's usage-limit reply (the CLI prints the exhaustion line at
   once) to account B's first request at the fake server, next to the bare CLI's own start-up time
   (launch to first request) (target: failover <= start-up + 1 s).

Usage: scripts/bench-lifecycle.py [--runs N] [--agents N] [--binary PATH] [--pause S] [--skip-sdk]
       [--verbose]
Builds the release binary first unless --binary is given. Needs the real CLIs
(scripts/install-real-clis.sh) and, unless --skip-sdk, the SDK venv (scripts/install-sdk.sh).
"""

import argparse
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

from bench_support import CODEX_EXEC, codex_flags as make_codex_flags, release_binary, start_server, write_executable

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(argv, env, cwd=None, check=True):
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if check and proc.returncode != 0:
        sys.exit(f"bench: {' '.join(argv[:6])}… exited {proc.returncode}: {proc.stderr[-2000:]}")
    return elapsed, proc


def paired_ratio(bare, spawned):
    """1 + the median of spawned[i] - bare[i], over the median bare run: each spawn is compared with
    the bare run of its round, under the same load."""
    return 1 + statistics.median(s - b for b, s in zip(bare, spawned)) / statistics.median(bare)


def paired_interval(bare, spawned, resamples=2000):
    """A 95% bootstrap interval of paired_ratio: the runs resampled with replacement (seeded, so a
    rerun of the same figures prints the same interval). When it straddles 1.05, these runs cannot
    tell whether the target holds."""
    pairs = list(zip(bare, spawned))
    rng = random.Random(0)
    ratios = sorted(
        paired_ratio(*zip(*(rng.choice(pairs) for _ in pairs))) for _ in range(resamples))
    return ratios[int(resamples * 0.025)], ratios[int(resamples * 0.975) - 1]


def requests(log_path):
    if not os.path.exists(log_path):
        return []
    with open(log_path) as f:
        return [json.loads(line) for line in f if line.strip()]


def failover(binary, base_env, work, _port, ws, bin_dir, runs):
    """Account A answers with a usage limit; measure until B's first request arrives."""
    print("\naccount failover (claude, subscription tokens):")
    deltas, startups = [], []
    for i in range(runs):
        run_dir = os.path.join(work, f"failover-{i}")
        os.makedirs(run_dir)
        script = os.path.join(run_dir, "script.json")
        log = os.path.join(run_dir, "requests.jsonl")
        with open(script, "w") as f:
            json.dump({"keys": {"tok-a": [{"error": "usage_limit", "resets_in": 3600, "repeat": "forever"}],
                                "tok-b": [{"text": "OK", "repeat": "forever"}]}}, f)
        server = subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "scripts", "fake_model_server.py"), "--script", script, "--log", log,
             "--port", "0", "--exit-on-stdin-eof"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        port = int(server.stdout.readline().split()[1])
        try:
            env = dict(base_env, ANTHROPIC_BASE_URL=f"http://127.0.0.1:{port}",
                       CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1", CLAUDE_CODE_MAX_RETRIES="0", IS_SANDBOX="1")
            # The bare CLI's start-up: launch to its first request.
            env_bare = dict(env, CLAUDE_CODE_OAUTH_TOKEN="tok-b", CLAUDE_CONFIG_DIR=os.path.join(run_dir, "bare"))
            os.makedirs(env_bare["CLAUDE_CONFIG_DIR"])
            before = len(requests(log))
            started = time.time()
            run(["claude", "-p", "--output-format", "stream-json", "--verbose", "--dangerously-skip-permissions",
                 "Say OK."], env_bare, cwd=ws)
            first = requests(log)[before]["time"]
            startups.append(first - started)
            home = os.path.join(run_dir, "home")
            for label, token in (("A", "tok-a"), ("B", "tok-b")):
                subprocess.run([binary, "--home", home, "accounts", "add", "claude", "--label", label, "--token-stdin"],
                               input=token, env=env, text=True, capture_output=True, check=True)
            run([binary, "--home", home, "spawn", "--provider", "claude", "--no-worktree", "--cwd", ws, "--account",
                 "A", "--rotate", "--wait", "--timeout", "120", "Say OK."], env)
            entries = requests(log)
            limit = next(e["time"] for e in entries if e.get("key") == "tok-a")
            on_b = [e["time"] for e in entries if e.get("key") == "tok-b" and e["time"] > limit]
            if on_b:
                deltas.append(on_b[0] - limit)
        finally:
            server.stdin.close()
            server.terminate()
            server.wait()
    if deltas:
        startup = statistics.median(startups)
        delta = statistics.median(deltas)
        print(f"  usage-limit reply on A -> first request on B: {delta:.3f} s (median of {len(deltas)})")
        print(f"  bare claude start-up (launch -> first request): {startup:.3f} s")
        print(f"  multiagent's own failover overhead: {delta - startup:.3f} s (target <= 1 s)")
    else:
        print("  failover did not reach account B")


def own_overhead(binary, base_env, work, ws, runs, pause):
    """multiagent's own cost per `spawn --wait`, free of the model's and the CLI's variance: a
    stand-in `codex` that prints a thread id and a finished turn and exits, spawned vs run bare."""
    bin_dir = os.path.join(work, "instant-bin")
    os.makedirs(bin_dir)
    cli = write_executable(os.path.join(bin_dir, "codex"),
                           "#!/bin/sh\n"
                           "echo '{\"type\":\"thread.started\",\"thread_id\":\"0199a213-81c0-7800-8aa1-bbab2a035a53\"}'\n"
                           "echo '{\"type\":\"turn.completed\",\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}'\n")
    env = dict(base_env, PATH=f"{bin_dir}:/usr/bin:/bin")
    home = os.path.join(work, "instant-home")
    # A one-file repository for the default spawn, into a new worktree.
    repository = os.path.join(work, "instant-repo")
    os.makedirs(repository)
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost"]
    for step in (["init", "--quiet"], ["commit", "--quiet", "--allow-empty", "-m", "start"]):
        subprocess.run(git + step, cwd=repository, env=env, check=True, capture_output=True)
    bare, spawned, worktree = [], [], []
    timed = {
        "bare": (bare, [cli, "exec", "Say OK."], ws),
        "spawned": (spawned, [binary, "--home", home, "spawn", "--provider", "codex", "--no-worktree", "--cwd", ws,
                              "--wait", "Say OK."], None),
        "worktree": (worktree, [binary, "--home", home, "spawn", "--provider", "codex", "--cwd", repository,
                                "--wait", "Say OK."], None),
    }
    order = random.Random("own")
    for _ in range(runs):
        for which in order.sample(sorted(timed), len(timed)):
            times, argv, cwd = timed[which]
            time.sleep(pause)
            times.append(run(argv, env, cwd=cwd)[0])
    overhead = statistics.median(spawned) - statistics.median(bare)
    print(f"\nmultiagent's own cost per spawn --wait (an instant stand-in CLI, {runs} runs): "
          f"{overhead * 1000:.1f} ms (median {statistics.median(spawned) * 1000:.1f} ms vs "
          f"{statistics.median(bare) * 1000:.1f} ms bare)")
    print(f"  into a new worktree of a one-commit repository (the default spawn; git's own processes "
          f"included): {(statistics.median(worktree) - statistics.median(bare)) * 1000:.1f} ms")
    print(f"  means: {(statistics.mean(spawned) - statistics.mean(bare)) * 1000:.1f} ms, into a new worktree "
          f"{(statistics.mean(worktree) - statistics.mean(bare)) * 1000:.1f} ms; slowest spawn "
          f"{max(spawned) * 1000:.1f} ms, into a new worktree {max(worktree) * 1000:.1f} ms")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--agents", type=int, default=10000)
    ap.add_argument("--binary")
    ap.add_argument("--pause", type=float, default=0.1,
                    help="seconds to pause before each timed run (default 0.1; 0: back to back)")
    ap.add_argument("--skip-sdk", action="store_true",
                    help="leave out the claude-agent-sdk query() column (no venv from scripts/install-sdk.sh)")
    ap.add_argument("--verbose", action="store_true", help="print every run's wall time too")
    args = ap.parse_args()

    binary = release_binary(args.binary)
    cache = os.environ.get("MULTIAGENT_CLI_CACHE", os.path.expanduser("~/.cache/multiagent-clis"))
    bin_dir = os.path.join(cache, "bin")
    for cli in ("claude", "codex"):
        if not os.access(os.path.join(bin_dir, cli), os.X_OK):
            sys.exit(f"bench: {cli} is not installed; run scripts/install-real-clis.sh")
    sdk_python = None
    if not args.skip_sdk:
        sdk_version = os.environ.get("MULTIAGENT_CLAUDE_SDK_VERSION", "0.2.187")
        sdk_python = os.path.join(cache, f"sdk-venv-{sdk_version}", "bin", "python")
        if not (os.path.exists(os.path.join(cache, f"sdk-venv-{sdk_version}", ".complete"))
                and os.access(sdk_python, os.X_OK)):
            sys.exit(f"bench: claude-agent-sdk {sdk_version} is not installed; run scripts/install-sdk.sh "
                     "or pass --skip-sdk")

    work = tempfile.mkdtemp(prefix="multiagent-bench-")
    server, port = start_server(work)
    try:
        base_env = {"HOME": os.path.join(work, "user"), "PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin",
                    "TZ": "UTC"}
        os.makedirs(base_env["HOME"])
        ws = os.path.join(work, "ws")
        os.makedirs(ws)
        prompt = "Say OK."
        codex_flags = make_codex_flags(port)
        home = os.path.join(work, "home")
        os.makedirs(home)
        with open(os.path.join(home, "providers.json"), "w") as f:
            json.dump({"providers": {"codex": {"arguments": CODEX_EXEC + codex_flags}}}, f)

        setups = {
            "claude": dict(
                env={"ANTHROPIC_BASE_URL": f"http://127.0.0.1:{port}", "ANTHROPIC_API_KEY": "bench",
                     "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "CLAUDE_CODE_MAX_RETRIES": "0",
                     "IS_SANDBOX": "1", "CLAUDE_CONFIG_DIR": os.path.join(work, "claude-config")},
                bare=lambda text: ["claude", "-p", "--output-format", "stream-json", "--verbose",
                                   "--dangerously-skip-permissions", "--session-id", str(uuid.uuid4()), text]),
            "codex": dict(
                env={"CODEX_API_KEY": "bench", "CODEX_HOME": os.path.join(work, "codex-home")},
                bare=lambda text: ["codex", "exec"] + CODEX_EXEC + codex_flags + [text]),
        }
        print(f"multiagent lifecycle benchmark ({args.runs * 3} runs of each CLI, {args.runs} of list and of the failover; medians)\n")
        print(f"{'provider':10} {'bare CLI s':>11} {'spawn --wait s':>15} {'ratio':>7} {'paired':>7} "
              f"{'SDK query() s':>14} {'spawn/SDK':>10} {'supervisor cpu s':>17} {'supervisor RSS MB':>18}")
        for name, setup in setups.items():
            env = dict(base_env, **setup["env"])
            for key in ("CLAUDE_CONFIG_DIR", "CODEX_HOME"):
                if key in env:
                    os.makedirs(env[key], exist_ok=True)
            run(setup["bare"](prompt), env, cwd=ws)  # warm-up: first-run setup of the config dir
            # A Python script calling claude-agent-sdk's query(): same prompt, same binary, same env.
            sdk = None
            if name == "claude" and sdk_python:
                sdk_argv = [sdk_python, os.path.join(ROOT, "scripts", "bench-sdk-query.py"),
                            "--cli-path", os.path.join(bin_dir, "claude"), "--cwd", ws, prompt]
                run(sdk_argv, env, cwd=ws)  # warm-up: the venv's bytecode caches
                sdk = []  # (whole process, query() after the import, the import)
            bare, spawned, cpu, rss, bare_full = [], [], [], [], []

            def spawn_wait(agent):
                return run([binary, "--home", home, "spawn", "--provider", name, "--no-worktree", "--cwd", ws,
                            "--name", agent, "--wait", prompt], env)[0]

            def agent_id(agent):
                _, shown = run([binary, "--home", home, "--json", "show", agent], env)
                return json.loads(shown.stdout)["id"]

            def whole_prompt(agent_id):
                """The whole prompt multiagent sent the agent's CLI (the question protocol appended)."""
                with open(os.path.join(home, "agents", agent_id, "prompt.md")) as f:
                    return f.read()

            spawn_wait(f"bench-{name}-warm-up")
            full_text = whole_prompt(agent_id(f"bench-{name}-warm-up"))
            # In rounds, so that drift in the machine's load hits all sides alike; in a random order
            # (seeded) and each after a pause, so that none always runs in another's wake. The whole
            # prompt is the previous spawn's: the same text but for the agent's id.
            runs = args.runs * 3
            order = random.Random(name)
            for i in range(runs):
                agent = f"bench-{name}-{i}"
                for which in order.sample(("bare", "spawn", "whole prompt"), 3):
                    time.sleep(args.pause)
                    if which == "bare":
                        bare.append(run(setup["bare"](prompt), env, cwd=ws)[0])
                    elif which == "spawn":
                        spawned.append(spawn_wait(agent))
                    else:
                        bare_full.append(run(setup["bare"](full_text), env, cwd=ws)[0])
                if sdk is not None:
                    elapsed, proc = run(sdk_argv, env, cwd=ws)
                    timings = json.loads(proc.stdout.splitlines()[-1])
                    sdk.append((elapsed, timings["query_s"], timings["import_s"]))
                agent_id_now = agent_id(agent)
                full_text = whole_prompt(agent_id_now)
                log = os.path.join(home, "agents", agent_id_now, "supervisor.log")
                deadline = time.time() + 10
                usage = None
                while time.time() < deadline and usage is None:
                    text = open(log).read() if os.path.exists(log) else ""
                    usage = re.search(r"cpu_seconds=([0-9.]+) max_rss_kb=([0-9]+)", text)
                    if usage is None:
                        time.sleep(0.05)
                if usage:
                    cpu.append(float(usage.group(1)))
                    rss.append(int(usage.group(2)) / 1024)
            ratio = statistics.median(spawned) / statistics.median(bare)
            paired = paired_ratio(bare, spawned)
            if args.verbose:
                print(f"  {name} runs, ms: bare {sorted(round(x * 1000) for x in bare)}, "
                      f"spawn --wait {sorted(round(x * 1000) for x in spawned)}"
                      + (f", SDK query() {sorted(round(x * 1000) for x, *_ in sdk)}" if sdk else ""))
            sdk_cols = (f"{statistics.median(x for x, *_ in sdk):14.3f} "
                        f"{statistics.median(spawned) / statistics.median(x for x, *_ in sdk):10.2f}"
                        if sdk else f"{'-':>14} {'-':>10}")
            print(f"{name:10} {statistics.median(bare):11.3f} {statistics.median(spawned):15.3f} {ratio:7.3f} {paired:7.3f} "
                  f"{sdk_cols} {statistics.median(cpu) if cpu else float('nan'):17.3f} "
                  f"{max(rss) if rss else float('nan'):18.1f}")
            low, high = paired_interval(bare, spawned)
            print(f"{'':10} paired ratio, 95% bootstrap interval over these runs: {low:.3f}–{high:.3f}")
            if sdk:
                after_import = statistics.median(q for _, q, _ in sdk)
                print(f"{'':10} SDK query() alone (after the import, to the end of its stream): {after_import:.3f} s, "
                      f"spawn/that {statistics.median(spawned) / after_import:.2f}; "
                      f"import claude_agent_sdk {statistics.median(i for *_, i in sdk):.3f} s")
            # The means and the slowest runs: a rare stall (a spawn waiting seconds for a step that
            # failed) leaves the medians alone and shows here.
            print(f"{'':10} means: bare {statistics.mean(bare):.3f} s, spawn --wait {statistics.mean(spawned):.3f} s, "
                  f"ratio {statistics.mean(spawned) / statistics.mean(bare):.3f}; slowest: bare {max(bare):.3f} s, "
                  f"spawn --wait {max(spawned):.3f} s")
            print(f"{'':10} bare CLI given multiagent's whole prompt (question protocol included): "
                  f"{statistics.median(bare_full):.3f} s, ratio {statistics.median(spawned) / statistics.median(bare_full):.3f}, "
                  f"paired {paired_ratio(bare_full, spawned):.3f}")

        own_overhead(binary, base_env, work, ws, args.runs * 3, args.pause)

        # list --json with many agents.
        list_home = os.path.join(work, "list-home")
        run([binary, "--home", list_home, "list"], base_env)
        db = sqlite3.connect(os.path.join(list_home, "state.db"))
        now = time.time()
        db.executemany(
            "INSERT INTO agents (id, name, provider, status, prompt_summary, cwd, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(f"{i:016x}", f"agent-{i}", "claude" if i % 2 else "codex",
              ("completed", "failed", "waiting_for_input", "stopped")[i % 4],
              f"Fix the flaky test number {i} in the parser module", "/repo", now - i, now - i)
             for i in range(args.agents)])
        db.commit()
        db.close()
        list_argv = [binary, "--home", list_home, "--json", "list", "--all"]
        listed = os.path.join(work, "list.json")
        to_file, through_pipe = [], []
        for _ in range(args.runs):
            with open(listed, "wb") as out:
                start = time.perf_counter()
                subprocess.run(list_argv, env=base_env, stdin=subprocess.DEVNULL, stdout=out, check=True)
                to_file.append(time.perf_counter() - start)
            through_pipe.append(run(list_argv, base_env)[0])
        with open(listed) as f:
            if len(json.load(f)) != args.agents:
                sys.exit(f"bench: list --json did not list the {args.agents} agents")
        print(f"\nlist --json with {args.agents} agents, output to a file: {statistics.median(to_file) * 1000:.1f} ms "
              f"(median), {min(to_file) * 1000:.1f} ms (best); read whole through a pipe by this script: "
              f"{statistics.median(through_pipe) * 1000:.1f} ms (median)")
        failover(binary, base_env, work, port, ws, bin_dir, args.runs)
        print("\ntargets: spawn --wait within 5% of the bare CLI (ratio <= 1.05, --no-worktree); supervisor RSS <= 16 MB; "
              "list --json <= 50 ms; failover <= CLI start-up + 1 s")
    finally:
        server.stdin.close()
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
