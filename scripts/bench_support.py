"""What the benchmark and profiling scripts share: the release binary, and stand-in CLIs."""

import json
import os
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def release_binary(given=None):
    """`given` as an absolute path, else the release `multiagent`, built first."""
    if given:
        return os.path.abspath(given)
    subprocess.run(["swift", "build", "-c", "release", "--product", "multiagent"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    return os.path.join(ROOT, ".build", "release", "multiagent")


def write_executable(path, text):
    """Writes a stand-in CLI (a script) at `path`, executable."""
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o755)
    return path


def start_server(workdir):
    """The project's fake model server on 127.0.0.1, replying "OK" to every request: (process, port).
    It exits when its standard input closes (close `process.stdin`)."""
    script = os.path.join(workdir, "script.json")
    with open(script, "w") as f:
        json.dump({"default": [{"text": "OK", "repeat": "forever"}]}, f)
    server = subprocess.Popen(
        [sys.executable, os.path.join(ROOT, "scripts", "fake_model_server.py"), "--script", script,
         "--port", "0", "--exit-on-stdin-eof"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = server.stdout.readline().split()
    if len(line) != 2 or line[0] != "LISTENING":
        sys.exit("bench: the fake model server did not start")
    return server, int(line[1])


def codex_flags(port):
    """The real codex's flags for the fake server at `port` (no update check, no analytics, no plugins)."""
    return ["-c", 'model="gpt-5.5"', "-c", 'model_provider="fake"', "-c", 'model_providers.fake.name="Fake"',
            "-c", f'model_providers.fake.base_url="http://127.0.0.1:{port}/v1"',
            "-c", 'model_providers.fake.wire_api="responses"',
            "-c", "model_providers.fake.requires_openai_auth=true",
            "-c", "model_providers.fake.request_max_retries=0",
            "-c", "model_providers.fake.stream_max_retries=0",
            "-c", "analytics.enabled=false", "-c", "check_for_update_on_startup=false",
            "--disable", "plugins"]


# `codex exec`'s headless flags, bare and in the benchmark home's providers.json alike.
CODEX_EXEC = ["--json", "--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"]


def start_tracing(events, data, who):
    """`perf record` of `events` on every processor, on this script's monotonic clock, into the file
    `data`: the running perf (stop it with `stop_tracing`). Exits naming `who` when perf cannot trace."""
    perf = subprocess.Popen(["perf", "record", "-q", "-e", events, "-a", "-k", "mono", "-o", data],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(1.0)
    if perf.poll() is not None:
        sys.exit(f"{who}: perf cannot trace here: {perf.stderr.read()[-500:]!r}")
    return perf


def stop_tracing(perf):
    """Stops a `start_tracing` perf once the last run's events are written."""
    time.sleep(0.3)
    perf.send_signal(signal.SIGINT)
    perf.wait()


def traced_lines(data):
    """The lines of a `start_tracing` perf.data file: command, pid/tid, time, event and its fields."""
    return subprocess.run(["perf", "script", "-F", "comm,pid,tid,time,event,trace", "-i", data],
                          capture_output=True, text=True, check=True).stdout.splitlines()
