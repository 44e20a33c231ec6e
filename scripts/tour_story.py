"""What the fake model server answers during scripts/tour, and how codex is pointed at it.

The server keeps one queue of steps per API key (see scripts/README.md). On Claude's first key the
agent starts a helper agent (its child, on the second key), asks a question, and after the answer
finishes. Codex's first key does one step of work and then answers every request with a usage
limit; the second key finishes the task.
"""

import json

# Fake keys: the server tells accounts apart by them; nothing real is ever sent anywhere.
CLAUDE_KEYS = {"claude-a": "sk-ant-tour-fake-key-a", "claude-b": "sk-ant-tour-fake-key-b"}
CODEX_KEYS = {"codex-a": "sk-tour-fake-key-a", "codex-b": "sk-tour-fake-key-b"}


def write_signal(signal):
    """A shell command that writes `signal` (a dict) to the agent's signal file."""
    return "printf '%s' '" + json.dumps(signal, separators=(",", ":")) + "' > \"$MULTIAGENT_SIGNAL_FILE\""


QUESTION = {"id": "q1", "question": "Which color should the fence be?", "options": ["red", "blue"]}

# The Claude agent: starts a helper, asks through its signal file and ends its turn; after the
# answer, finishes. `multiagent spawn` run by an agent makes the new agent its child.
HELPER_SPAWN = "multiagent spawn --provider claude --account claude-b --name helper 'Mix the paint.'"
CLAUDE_STEPS = [
    {"text": "I will get the paint mixed, and I need a decision.",
     "shell": HELPER_SPAWN + " && " + write_signal({"status": "questions", "questions": [QUESTION]})},
    {"text": "Asked which color."},
    {"text": "Painting.", "shell": write_signal({"status": "done", "result": "Painted the fence blue."})},
    {"text": "Done."},
]

HELPER_STEPS = [
    {"text": "Mixing.", "shell": write_signal({"status": "done", "result": "Mixed the paint."})},
    {"text": "Done."},
]

# The Codex agent: one step on the first account, then that account's usage limit (reset in 2 h).
CODEX_A_STEPS = [
    {"text": "Starting the refactor on the first account.", "shell": "echo step-one-done"},
    {"error": "usage_limit", "resets_in": 7200, "repeat": "forever"},
]
CODEX_B_STEPS = [
    {"text": "Continuing where the first account stopped.",
     "shell": write_signal({"status": "done", "result": "Finished on the second account."})},
    {"text": "Done."},
]


def server_script():
    keys = {CLAUDE_KEYS["claude-a"]: CLAUDE_STEPS, CLAUDE_KEYS["claude-b"]: HELPER_STEPS}
    keys[CODEX_KEYS["codex-a"]] = CODEX_A_STEPS
    keys[CODEX_KEYS["codex-b"]] = CODEX_B_STEPS
    return {"keys": keys}


def codex_catalog(base_url):
    """A user providers.json that points `codex exec` at the fake server: the headless flags, the
    server as a Responses API provider whose key is the account's, and no analytics, plugins,
    update checks or retries (so codex contacts nothing else)."""
    arguments = ["--json", "--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"]
    settings = [
        'model="gpt-5.5"', 'model_provider="fake"', 'model_providers.fake.name="Fake"',
        f'model_providers.fake.base_url="{base_url}/v1"', 'model_providers.fake.wire_api="responses"',
        "model_providers.fake.requires_openai_auth=true", "model_providers.fake.request_max_retries=0",
        "model_providers.fake.stream_max_retries=0", "analytics.enabled=false",
        "check_for_update_on_startup=false",
    ]
    for setting in settings:
        arguments += ["-c", setting]
    arguments += ["--disable", "plugins"]
    return {"providers": {"codex": {"arguments": arguments}}}
