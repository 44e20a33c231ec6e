#!/usr/bin/env python3
"""Record a real CLI's output against the fake model server, as a test fixture.

Usage:
    scripts/record-transcript.py --cli claude|codex --scenario NAME --out PREFIX
                                 [--tz UTC] [--cli-path PATH] [--keep]
    scripts/record-transcript.py --list

Writes PREFIX.jsonl (the CLI's stdout, exact bytes), PREFIX.stderr.txt and PREFIX.meta.json.
The CLI runs in a fresh temp dir (workspace + its own CLAUDE_CONFIG_DIR / CODEX_HOME + HOME),
stdin=/dev/null, with an environment built from scratch (nothing inherited but nothing
either: no proxy, no real credentials), and talks only to the fake server on 127.0.0.1.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "fake_model_server.py")
RUN_TIMEOUT = 180

# resets used by the usage-limit scenarios: a few hours / a few days after recording
FIVE_HOUR_RESET_IN = 3 * 3600 + 17 * 60
WEEKLY_RESET_IN = 2 * 86400 + 5 * 3600

# --------------------------------------------------------------------------------------
# Scenarios. Each is a function(cli, now) -> dict:
#   runs:   list of {"prompt": str, "resume": bool} (the last run is the one recorded)
#   script: fake server script
#   env / claude_env: extra env; oauth: claude OAuth mode
#   codex_retries: (request_max_retries, stream_max_retries)
#   reset_epoch: optional


def _sc_hello(cli, now):
    return {"script": {"default": [{"text": "Hello from the fake model."}]},
            "runs": [{"prompt": "hello"}]}


def _sc_tool_use(cli, now):
    return {"script": {"default": [
        {"text": "Running a command.", "shell": "echo tool-ran > tool_signal.txt && ls"},
        {"text": "Done: the command ran."},
    ]}, "runs": [{"prompt": "create tool_signal.txt with a shell command"}]}


def _sc_resume(cli, now):
    return {"script": {"default": [{"text": "ANSWER-ONE to the first question."},
                                   {"text": "ANSWER-TWO after resuming."}]},
            "runs": [{"prompt": "first question"}, {"prompt": "answer please", "resume": True}]}


def _sc_resume_not_found(cli, now):
    missing = "00000000-0000-4000-8000-000000000000" if cli == "claude" else "01a00000-0000-7000-8000-000000000000"
    return {"script": {"default": []},
            "runs": [{"prompt": "answer please", "resume": True, "resume_id": missing}]}


def _sc_rate_limit(cli, now):
    return {"script": {"default": [{"error": "rate_limit", "repeat": "forever"}]},
            "runs": [{"prompt": "hello"}]}


def _sc_usage_limit(cli, now):
    reset = now + FIVE_HOUR_RESET_IN
    return {"script": {"default": [{"error": "usage_limit", "resets_at": reset, "claim": "five_hour",
                                    "repeat": "forever"}]},
            "runs": [{"prompt": "hello"}], "oauth": True, "reset_epoch": reset}


def _sc_usage_limit_weekly(cli, now):
    reset = now + WEEKLY_RESET_IN
    return {"script": {"default": [{"error": "usage_limit", "resets_at": reset, "claim": "seven_day",
                                    "repeat": "forever"}]},
            "runs": [{"prompt": "hello"}], "oauth": True, "reset_epoch": reset}


def _sc_server_error(cli, now):
    return {"script": {"default": [{"error": "server_error", "repeat": "forever"}]},
            "runs": [{"prompt": "hello"}], "claude_retries": 2, "codex_retries": (0, 2)}


def _sc_overloaded(cli, now):
    return {"script": {"default": [{"error": "overloaded", "repeat": "forever"}]},
            "runs": [{"prompt": "hello"}], "claude_retries": 2, "codex_retries": (0, 2)}


def _sc_auth_error(cli, now):
    return {"script": {"default": [{"error": "auth", "repeat": "forever"}]},
            "runs": [{"prompt": "hello"}]}


SCENARIOS = {
    "hello": (_sc_hello, "one prompt, text reply"),
    "tool-use": (_sc_tool_use, "one shell tool call, then a text reply"),
    "resume": (_sc_resume, "a first run, then a resume of that session (the resume run is recorded)"),
    "resume-not-found": (_sc_resume_not_found, "resume of a session id that this config dir does not have"),
    "rate-limit-429": (_sc_rate_limit, "a final (non-retried) HTTP 429 rate limit"),
    "usage-limit": (_sc_usage_limit, "usage limit, 5-hour window (claude in OAuth mode)"),
    "usage-limit-weekly": (_sc_usage_limit_weekly, "usage limit, weekly window (claude in OAuth mode)"),
    "server-error": (_sc_server_error, "HTTP 500 on every request, 2 retries, then failure"),
    "overloaded": (_sc_overloaded, "claude 529 / codex 503 on every request, 2 retries, then failure"),
    "auth-error": (_sc_auth_error, "HTTP 401 on every request (no retries)"),
}

# --------------------------------------------------------------------------------------


def find_cli(name, explicit):
    if explicit:
        return os.path.abspath(explicit)
    found = shutil.which(name)
    if found:
        return found
    cache = os.environ.get("MULTIAGENT_CLI_CACHE") or os.path.join(os.path.expanduser("~"), ".cache",
                                                                   "multiagent-clis")
    cand = os.path.join(cache, "bin", name)
    if os.access(cand, os.X_OK):
        return cand
    sys.exit(f"record-transcript: `{name}` not found on PATH or in {cache}/bin "
             f"(run scripts/install-real-clis.sh)")


def cli_version(exe):
    scratch = tempfile.mkdtemp(prefix="multiagent-rec-version-")
    try:
        env = {"PATH": "/usr/bin:/bin", "HOME": scratch, "CODEX_HOME": scratch, "CLAUDE_CONFIG_DIR": scratch}
        out = subprocess.run([exe, "--version"], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                             timeout=60, env=env)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return out.stdout.strip().splitlines()[0] if out.stdout.strip() else ""


class FakeServer:
    def __init__(self, script, workdir):
        self.script_path = os.path.join(workdir, "script.json")
        self.log_path = os.path.join(workdir, "requests.jsonl")
        with open(self.script_path, "w") as f:
            json.dump(script, f)
        self.proc = subprocess.Popen(
            [sys.executable, SERVER, "--script", self.script_path, "--log", self.log_path,
             "--port", "0", "--exit-on-stdin-eof"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=open(os.path.join(workdir, "server.stderr"), "w"))
        line = self.proc.stdout.readline().decode().strip()
        if not line.startswith("LISTENING "):
            self.stop()
            sys.exit(f"record-transcript: fake server did not start (got {line!r})")
        self.port = int(line.split()[1])

    def requests(self):
        if not os.path.exists(self.log_path):
            return []
        with open(self.log_path) as f:
            return [json.loads(l) for l in f if l.strip()]

    def stop(self):
        try:
            self.proc.stdin.close()
        except Exception:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            self.proc.wait(timeout=5)


def base_env(exe, tmp, tz):
    home = os.path.join(tmp, "home")
    os.makedirs(home, exist_ok=True)
    return {
        "HOME": home,
        "PATH": os.pathsep.join([os.path.dirname(exe), "/usr/local/bin", "/usr/bin", "/bin"]),
        "TZ": tz,
    }


def claude_command(sc, run, port, tmp, session_id):
    cfg = os.path.join(tmp, "claude-config")
    env = {
        "IS_SANDBOX": "1",
        "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{port}",
        "CLAUDE_CONFIG_DIR": cfg,
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "CLAUDE_CODE_MAX_RETRIES": str(sc.get("claude_retries", 0)),
    }
    if sc.get("oauth"):
        env["CLAUDE_CODE_OAUTH_TOKEN"] = "oauth-token-a"
    else:
        env["ANTHROPIC_API_KEY"] = "key-a"
    argv = ["claude", "-p", run["prompt"], "--output-format", "stream-json", "--verbose",
            "--dangerously-skip-permissions"]
    if run.get("resume"):
        argv += ["--resume", run.get("resume_id") or session_id]
    return argv, env


def codex_command(sc, run, port, tmp, session_id):
    home = os.path.join(tmp, "codex-home")
    os.makedirs(home, exist_ok=True)
    # requires_openai_auth: the key comes from $CODEX_HOME/auth.json, like a logged-in account
    with open(os.path.join(home, "auth.json"), "w") as f:
        json.dump({"OPENAI_API_KEY": "key-a"}, f)
    req_retries, stream_retries = sc.get("codex_retries", (0, 0))
    env = {"CODEX_HOME": home}
    argv = ["codex", "exec",
            "-c", 'model="gpt-5.5"',
            "-c", 'model_provider="fake"',
            "-c", 'model_providers.fake.name="Fake"',
            "-c", f'model_providers.fake.base_url="http://127.0.0.1:{port}/v1"',
            "-c", 'model_providers.fake.wire_api="responses"',
            "-c", "model_providers.fake.requires_openai_auth=true",
            "-c", f"model_providers.fake.request_max_retries={req_retries}",
            "-c", f"model_providers.fake.stream_max_retries={stream_retries}",
            "-c", "analytics.enabled=false",
            "--disable", "plugins",
            "--json", "--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"]
    if run.get("resume"):
        argv += ["resume", run.get("resume_id") or session_id]
    argv.append(run["prompt"])
    return argv, env


def session_of(cli, stdout):
    for line in stdout.decode("utf-8", "replace").splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if cli == "claude" and isinstance(obj, dict) and obj.get("session_id"):
            return obj["session_id"]
        if cli == "codex" and isinstance(obj, dict) and obj.get("type") == "thread.started":
            return obj.get("thread_id")
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", choices=["claude", "codex"])
    ap.add_argument("--scenario", choices=sorted(SCENARIOS))
    ap.add_argument("--out", help="output prefix, e.g. Tests/ProvidersTests/Fixtures/claude/hello")
    ap.add_argument("--tz", default="UTC", help="TZ for the CLI (default UTC)")
    ap.add_argument("--cli-path", help="use this CLI binary instead of PATH / the install cache")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (path printed on stderr)")
    ap.add_argument("--list", action="store_true", help="list scenarios and exit")
    args = ap.parse_args()
    if args.list:
        for name, (_, desc) in sorted(SCENARIOS.items()):
            print(f"{name:20} {desc}")
        return 0
    if not (args.cli and args.scenario and args.out):
        ap.error("--cli, --scenario and --out are required")

    exe = find_cli(args.cli, args.cli_path)
    version = cli_version(exe)
    now = int(time.time())
    sc = SCENARIOS[args.scenario][0](args.cli, now)

    tmp = tempfile.mkdtemp(prefix=f"multiagent-rec-{args.cli}-")
    ws = os.path.join(tmp, "ws")
    os.makedirs(ws)
    server = FakeServer(sc["script"], tmp)
    first_session = None
    session_id = None
    try:
        result = None
        for i, run in enumerate(sc["runs"]):
            build = claude_command if args.cli == "claude" else codex_command
            argv, extra_env = build(sc, run, server.port, tmp, session_id)
            env = base_env(exe, tmp, args.tz)
            env.update(extra_env)
            recorded_at = int(time.time())
            result = subprocess.run([exe] + argv[1:], cwd=ws, env=env, stdin=subprocess.DEVNULL,
                                    capture_output=True, timeout=RUN_TIMEOUT)
            sid = session_of(args.cli, result.stdout)
            if i == 0 and len(sc["runs"]) > 1:
                if result.returncode != 0 or not sid:
                    sys.stderr.write(result.stderr.decode("utf-8", "replace"))
                    sys.exit(f"record-transcript: first run failed (rc={result.returncode})")
                first_session = sid
            session_id = sid or session_id
        requests = server.requests()
    finally:
        server.stop()

    out_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    with open(args.out + ".jsonl", "wb") as f:
        f.write(result.stdout)
    with open(args.out + ".stderr.txt", "wb") as f:
        f.write(result.stderr)

    port = str(server.port)
    meta = {
        "cli": args.cli,
        "cli_version": version,
        "scenario": args.scenario,
        "description": SCENARIOS[args.scenario][1],
        "argv": [a.replace(port, "PORT") for a in argv],
        "env": {k: v.replace(port, "PORT") for k, v in sorted(extra_env.items())
                if k not in ("HOME", "PATH")},
        "exit_code": result.returncode,
        "recorded_at": recorded_at,
        "tz": args.tz,
        "session_id": session_id,
        "files": ({"$CODEX_HOME/auth.json": {"OPENAI_API_KEY": "key-a"}} if args.cli == "codex" else {}),
        "model_requests": len(requests),
        "script": sc["script"],
    }
    if "reset_epoch" in sc:
        meta["reset_epoch"] = sc["reset_epoch"]
    if first_session:
        meta["first_session_id"] = first_session
        last = requests[-1]["body"] if requests else {}
        meta["resumed_request_has_first_turn"] = "ANSWER-ONE" in json.dumps(last)
        meta["resumed_same_session"] = first_session == session_id
    with open(args.out + ".meta.json", "w") as f:
        json.dump(meta, f, indent=2, ensure_ascii=False)
        f.write("\n")

    if args.keep:
        sys.stderr.write(f"record-transcript: kept {tmp}\n")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{args.cli} {args.scenario}: exit {result.returncode}, {len(requests)} model request(s), "
          f"{len(result.stdout.splitlines())} line(s) -> {args.out}.jsonl")
    return 0


if __name__ == "__main__":
    sys.exit(main())
