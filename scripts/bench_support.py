"""What the benchmark and profiling scripts share: the release binary, and stand-in CLIs."""

import os
import subprocess

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
