#!/usr/bin/env python3
"""One claude-agent-sdk `query()` run, as a user's script would do it: the SDK column of
scripts/bench-lifecycle.py.

Run it with the python of the venv that scripts/install-sdk.sh makes:

    "$(scripts/install-sdk.sh | tail -n 1)" scripts/bench-sdk-query.py [--cli-path BIN] [--cwd DIR]
        [--sdk-system-prompt] PROMPT

The claude CLI gets this process's environment (the SDK merges `os.environ` under
`ClaudeAgentOptions.env`, which is left empty), so the caller sets it exactly as for the bare
`claude -p` run: ANTHROPIC_BASE_URL, ANTHROPIC_API_KEY, CLAUDE_CONFIG_DIR, IS_SANDBOX, …
The SDK adds CLAUDE_CODE_ENTRYPOINT=sdk-py, CLAUDE_AGENT_SDK_VERSION and
CLAUDE_CODE_SDK_READS_SESSION_STATE=1 of its own.

Options that mirror `claude -p --output-format stream-json --verbose --dangerously-skip-permissions`:
`permission_mode="bypassPermissions"` and Claude Code's own system prompt (the `claude_code` preset;
the SDK's default would be an empty system prompt, `--system-prompt ""`: `--sdk-system-prompt`
keeps that default). The SDK always adds `--input-format stream-json` (the prompt goes over stdin)
and an initialize control request.

Consumes every message to the end of the stream (the ResultMessage is the last one) and exits 0
if the result is a success, 1 otherwise. Prints one JSON line to stdout:
`{"import_s": …, "query_s": …, "result_s": …, "total_s": …, "result": …, "session_id": …}` —
`import_s` the `import claude_agent_sdk`, `query_s` from after the import to the end of the
stream, `result_s` from after the import to the ResultMessage, `total_s` from the first line of
this script to the end of the stream (the interpreter's own start-up before it is not included:
time the whole process from outside for that).
"""

import time

_T0 = time.perf_counter()

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

from claude_agent_sdk import ClaudeAgentOptions, ResultMessage, query  # noqa: E402

_T_IMPORTED = time.perf_counter()


def default_cli_path():
    cache = os.environ.get("MULTIAGENT_CLI_CACHE", os.path.expanduser("~/.cache/multiagent-clis"))
    return os.path.join(cache, "bin", "claude")


async def run(prompt, cli_path, cwd, sdk_system_prompt):
    options = ClaudeAgentOptions(
        cli_path=cli_path,
        cwd=cwd,
        permission_mode="bypassPermissions",
        system_prompt=None if sdk_system_prompt else {"type": "preset", "preset": "claude_code"},
    )
    result, result_at = None, None
    async for message in query(prompt=prompt, options=options):
        if isinstance(message, ResultMessage):
            result, result_at = message, time.perf_counter()
    return result, result_at


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("prompt")
    ap.add_argument("--cli-path", default=default_cli_path(),
                    help="the claude binary (default: $MULTIAGENT_CLI_CACHE/bin/claude)")
    ap.add_argument("--cwd", default=os.getcwd())
    ap.add_argument("--sdk-system-prompt", action="store_true",
                    help="keep the SDK's default empty system prompt instead of Claude Code's")
    args = ap.parse_args()

    result, result_at = asyncio.run(run(args.prompt, args.cli_path, args.cwd, args.sdk_system_prompt))
    done = time.perf_counter()
    print(json.dumps({
        "import_s": round(_T_IMPORTED - _T0, 6),
        "query_s": round(done - _T_IMPORTED, 6),
        "result_s": round(result_at - _T_IMPORTED, 6) if result_at else None,
        "total_s": round(done - _T0, 6),
        "result": result.result if result else None,
        "session_id": result.session_id if result else None,
        "is_error": result.is_error if result else None,
    }), flush=True)
    if result is None or result.is_error:
        print(f"bench-sdk-query: {'no result' if result is None else f'error result: {result.result}'}",
              file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
