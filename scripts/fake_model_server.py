#!/usr/bin/env python3
"""Scripted fake model server for running the real `claude` and `codex` CLIs offline.

Speaks the wire formats of the Anthropic Messages API (claude), the OpenAI
Responses API (codex) and OpenAI Chat Completions (vibe, kimi, openhands), plus an OAuth token endpoint (refresh_token grants). Standard library only. See scripts/README.md for the
script format, the control endpoints and the request log format.

Usage:
    fake_model_server.py [--script SCRIPT.json] [--log REQUESTS.jsonl]
                         [--port 0] [--host 127.0.0.1] [--exit-on-stdin-eof] [--verbose]

Prints exactly one line `LISTENING <port>` on stdout once it accepts connections.
"""

import argparse
import copy
import json
import os
import signal
import sys
import threading
import time
import traceback
import uuid
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# --------------------------------------------------------------------------------------
# Script state


class ScriptError(ValueError):
    pass


def _validate_step(step, where):
    if not isinstance(step, dict):
        raise ScriptError(f"{where}: a step must be a JSON object")
    rep = step.get("repeat", 1)
    if not (rep == "forever" or (isinstance(rep, int) and not isinstance(rep, bool) and rep >= 1)):
        raise ScriptError(f"{where}: repeat must be a positive integer or \"forever\"")
    kinds = [k for k in ("shell", "tool", "error", "raw") if k in step]
    if len(kinds) > 1:
        raise ScriptError(f"{where}: only one of shell/tool/error/raw per step")
    if not kinds and "text" not in step:
        raise ScriptError(f"{where}: a step needs text, shell, tool, error or raw")
    if "raw" in step:
        r = step["raw"]
        if not isinstance(r, dict) or not isinstance(r.get("status", 200), int) or \
                not isinstance(r.get("headers", {}), dict):
            raise ScriptError(f"{where}: raw must be {{\"status\": N, \"headers\": {{...}}, \"body\": ...}}")
    if "error" in step and step["error"] not in ERROR_KINDS:
        raise ScriptError(f"{where}: unknown error {step['error']!r} (one of {sorted(ERROR_KINDS)})")
    if "shell" in step and not isinstance(step["shell"], str):
        raise ScriptError(f"{where}: shell must be a command string")
    if "text" in step and not isinstance(step["text"], str):
        raise ScriptError(f"{where}: text must be a string")
    if "tool" in step:
        t = step["tool"]
        if not isinstance(t, dict) or not isinstance(t.get("name"), str):
            raise ScriptError(f"{where}: tool must be {{\"name\": ..., \"input\": {{...}}}}")
    if "quota" in step and not isinstance(step["quota"], dict):
        raise ScriptError(f"{where}: quota must be an object of windows")
    if "reasoning" in step and not isinstance(step["reasoning"], str):
        raise ScriptError(f"{where}: reasoning must be a summary string")
    if "delay_ms" in step and not isinstance(step["delay_ms"], (int, float)):
        raise ScriptError(f"{where}: delay_ms must be a number")


def validate_script(script):
    if not isinstance(script, dict):
        raise ScriptError("script must be a JSON object")
    keys = script.get("keys", {})
    if not isinstance(keys, dict):
        raise ScriptError("keys must be an object of key -> [steps]")
    for k, steps in keys.items():
        if not isinstance(steps, list):
            raise ScriptError(f"keys.{k} must be a list of steps")
        for i, s in enumerate(steps):
            _validate_step(s, f"keys.{k}[{i}]")
    oauth = script.get("oauth", {})
    if not isinstance(oauth, dict):
        raise ScriptError("oauth must be an object of refresh_token -> reply")
    for token, reply in oauth.items():
        if not isinstance(reply, dict):
            raise ScriptError(f"oauth.{token} must be a JSON object")
        if not isinstance(reply.get("status", 200), int) or isinstance(reply.get("status", 200), bool):
            raise ScriptError(f"oauth.{token}: status must be an integer")
        if "error" in reply and not isinstance(reply["error"], str):
            raise ScriptError(f"oauth.{token}: error must be a string (an OAuth error code)")
        if "delay_ms" in reply and not isinstance(reply["delay_ms"], (int, float)):
            raise ScriptError(f"oauth.{token}: delay_ms must be a number")
    default = script.get("default", [])
    if not isinstance(default, list):
        raise ScriptError("default must be a list of steps")
    for i, s in enumerate(default):
        _validate_step(s, f"default[{i}]")
    return script


class Queue:
    """One key's remaining steps. Each entry is [step, remaining] (remaining None = forever)."""

    def __init__(self, steps):
        self.entries = []
        for s in steps:
            rep = s.get("repeat", 1)
            self.entries.append([copy.deepcopy(s), None if rep == "forever" else int(rep)])

    def next(self):
        if not self.entries:
            return None
        entry = self.entries[0]
        step = copy.deepcopy(entry[0])
        if entry[1] is not None:
            entry[1] -= 1
            if entry[1] <= 0:
                self.entries.pop(0)
        return step


class State:
    def __init__(self, script, log_path):
        self.lock = threading.Lock()
        self.script = validate_script(script)
        self.queues = {}
        self.used_refresh_tokens = set()
        self.requests = []
        self.seq = 0
        self.log_file = open(log_path, "a", encoding="utf-8") if log_path else None

    def set_script(self, script):
        validate_script(script)
        with self.lock:
            self.script = script
            self.queues = {}
            self.used_refresh_tokens = set()

    def next_step(self, key):
        """Consume and return the next step for `key` (None when the queue is empty)."""
        with self.lock:
            q = self.queues.get(key)
            if q is None:
                keys = self.script.get("keys", {})
                steps = keys[key] if key is not None and key in keys else self.script.get("default", [])
                q = self.queues[key] = Queue(steps)
            return q.next()

    def oauth_reply(self, refresh_token):
        """(status, body, entry) for a refresh: the scripted reply, spent unless reusable."""
        with self.lock:
            entry = self.script.get("oauth", {}).get(refresh_token) if isinstance(refresh_token, str) else None
            if entry is None:
                return 400, {"error": "invalid_grant",
                             "error_description": "Refresh token not found or invalid"}, None
            if refresh_token in self.used_refresh_tokens:
                return 400, {"error": "invalid_grant",
                             "error_description": "Refresh token has already been used"}, entry
            if not entry.get("reusable"):
                self.used_refresh_tokens.add(refresh_token)
        entry = copy.deepcopy(entry)
        if "error" in entry:
            body = {"error": entry["error"]}
            if "error_description" in entry:
                body["error_description"] = entry["error_description"]
            return int(entry.get("status", 400)), body, entry
        body = {k: v for k, v in entry.items() if k not in OAUTH_CONTROL_KEYS}
        return int(entry.get("status", 200)), body, entry

    def record(self, api, path, key, step, body):
        with self.lock:
            self.seq += 1
            entry = {
                "seq": self.seq,
                "time": time.time(),
                "api": api,
                "path": path,
                "key": key,
                "step": step,
                "body": body,
            }
            self.requests.append(entry)
            if self.log_file is not None:
                self.log_file.write(json.dumps(entry, ensure_ascii=False) + "\n")
                self.log_file.flush()
            return entry

    def snapshot(self):
        with self.lock:
            return list(self.requests)


STATE = None  # set in main()
VERBOSE = False

ERROR_KINDS = {"usage_limit", "quota", "rate_limit", "server_error", "overloaded", "auth"}

# Keys of an "oauth" reply that steer the fake server and are not sent back.
OAUTH_CONTROL_KEYS = {"reusable", "status", "delay_ms"}

# --------------------------------------------------------------------------------------
# Helpers


def _hex(n=24):
    return uuid.uuid4().hex[:n]


def _estimate_tokens(body):
    try:
        return max(1, len(json.dumps(body)) // 4)
    except Exception:
        return 1


def _step_text(step):
    if step is None:
        return "OK"
    t = step.get("text")
    return t if isinstance(t, str) else None


def _step_tool(step):
    """(name, input) of the tool call a step asks for, or None."""
    if step is None:
        return None
    if "shell" in step:
        return ("shell", step["shell"])
    if "tool" in step:
        return ("raw", step["tool"])
    return None


def _reset_epoch(step):
    """Absolute reset time of a usage_limit step: resets_at if given, else now + resets_in (default 3600)."""
    if step.get("resets_at") is not None:
        return int(step["resets_at"])
    return int(time.time()) + int(step.get("resets_in", 3600))


# --------------------------------------------------------------------------------------
# Anthropic Messages API


def anthropic_error_body(etype, message):
    return {"type": "error", "error": {"type": etype, "message": message}, "request_id": "req_" + _hex(24)}


def anthropic_error(step):
    """(status, headers, body) for an error step."""
    kind = step["error"]
    msg = step.get("message")
    headers = {}
    if kind == "usage_limit":
        reset = _reset_epoch(step)
        claim = step.get("claim", "five_hour")
        headers.update({
            "anthropic-ratelimit-unified-status": "rejected",
            "anthropic-ratelimit-unified-reset": str(reset),
            "anthropic-ratelimit-unified-representative-claim": claim,
            "x-should-retry": "false",
        })
        if claim == "five_hour":
            headers["anthropic-ratelimit-unified-5h-status"] = "rejected"
            headers["anthropic-ratelimit-unified-5h-reset"] = str(reset)
            headers["anthropic-ratelimit-unified-5h-utilization"] = "1.0"
        elif claim.startswith("seven_day"):
            headers["anthropic-ratelimit-unified-7d-status"] = "rejected"
            headers["anthropic-ratelimit-unified-7d-reset"] = str(reset)
            headers["anthropic-ratelimit-unified-7d-utilization"] = "1.0"
        return 429, headers, anthropic_error_body(
            "rate_limit_error", msg or "This request would exceed your account's rate limit. Please try again later.")
    if kind == "rate_limit":
        if step.get("retry"):
            headers["retry-after"] = str(step.get("retry_after", 1))
            headers["x-should-retry"] = "true"
        else:
            headers["x-should-retry"] = "false"
        return 429, headers, anthropic_error_body(
            "rate_limit_error", msg or "This request would exceed the rate limit for your organization. Please try again later.")
    if kind == "server_error":
        return 500, {"x-should-retry": "true"}, anthropic_error_body("api_error", msg or "Internal server error")
    if kind == "overloaded":
        return 529, {"x-should-retry": "true"}, anthropic_error_body("overloaded_error", msg or "Overloaded")
    if kind == "auth":
        return 401, {}, anthropic_error_body("authentication_error", msg or "invalid x-api-key")
    if kind == "quota":
        return 400, {}, anthropic_error_body("invalid_request_error", msg or (
            "Your credit balance is too low to access the Anthropic API. "
            "Please go to Plans & Billing to upgrade or purchase credits."))
    raise AssertionError(kind)


ANTHROPIC_WINDOWS = {"five_hour": "5h", "seven_day": "7d", "seven_day_overage_included": "7d_oi"}


def anthropic_quota_headers(step):
    """Usage-window headers of a successful reply, as the real API sends them on subscription
    turns: step["quota"] = {"status": "allowed_warning", "five_hour": {"utilization": 0.95,
    "reset_in": 7200, "status": "allowed_warning", "surpassed_threshold": 0.9}, "seven_day": {...}}."""
    quota = (step or {}).get("quota")
    if not quota:
        return {}
    now = int(time.time())
    headers = {"anthropic-ratelimit-unified-status": quota.get("status", "allowed")}
    resets = []
    for name, short in ANTHROPIC_WINDOWS.items():
        window = quota.get(name)
        if not isinstance(window, dict):
            continue
        reset = now + int(window.get("reset_in", 3600))
        resets.append((reset, name))
        headers[f"anthropic-ratelimit-unified-{short}-utilization"] = str(window.get("utilization", 0))
        headers[f"anthropic-ratelimit-unified-{short}-reset"] = str(reset)
        if "status" in window:
            headers[f"anthropic-ratelimit-unified-{short}-status"] = window["status"]
        if "surpassed_threshold" in window:
            headers[f"anthropic-ratelimit-unified-{short}-surpassed-threshold"] = str(window["surpassed_threshold"])
    if resets:
        reset, name = min(resets)
        headers["anthropic-ratelimit-unified-reset"] = str(reset)
        headers["anthropic-ratelimit-unified-representative-claim"] = name
    return headers


def openai_quota_headers(step):
    """Codex's usage headers: step["quota"] = {"primary": {"used_percent": 95, "window_minutes": 300,
    "reset_in": 3600}, "secondary": {...}}."""
    quota = (step or {}).get("quota")
    if not quota:
        return {}
    now = int(time.time())
    headers = {}
    for name in ("primary", "secondary"):
        window = quota.get(name)
        if not isinstance(window, dict):
            continue
        headers[f"x-codex-{name}-used-percent"] = str(window.get("used_percent", 0))
        headers[f"x-codex-{name}-window-minutes"] = str(window.get("window_minutes", 300))
        headers[f"x-codex-{name}-reset-at"] = str(now + int(window.get("reset_in", 3600)))
    return headers


def anthropic_content(step):
    """List of content blocks (dicts, with tool inputs fully formed) for a step."""
    blocks = []
    text = _step_text(step)
    if text:
        blocks.append({"type": "text", "text": text})
    tool = _step_tool(step)
    if tool is not None:
        kind, val = tool
        if kind == "shell":
            name, inp = "Bash", {"command": val}
        else:
            name, inp = val["name"], val.get("input", {})
        blocks.append({"type": "tool_use", "id": "toolu_01" + _hex(22), "name": name, "input": inp})
    if not blocks:
        blocks.append({"type": "text", "text": ""})
    return blocks


def anthropic_message(body, step, blocks):
    stop = "tool_use" if any(b["type"] == "tool_use" for b in blocks) else "end_turn"
    return {
        "id": "msg_01" + _hex(22),
        "type": "message",
        "role": "assistant",
        "model": (body or {}).get("model") or "claude-fake",
        "content": blocks,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {
            "input_tokens": _estimate_tokens(body),
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": max(1, len(json.dumps(blocks)) // 4),
            "service_tier": "standard",
        },
    }


def anthropic_sse(msg):
    """Yield (event, data) pairs of a streamed message."""
    start = dict(msg)
    start["content"] = []
    start["stop_reason"] = None
    start["usage"] = dict(msg["usage"], output_tokens=1)
    yield "message_start", {"type": "message_start", "message": start}
    for i, b in enumerate(msg["content"]):
        if b["type"] == "text":
            yield "content_block_start", {"type": "content_block_start", "index": i,
                                          "content_block": {"type": "text", "text": ""}}
            if i == 0:
                yield "ping", {"type": "ping"}
            text = b["text"]
            for j in range(0, len(text), 64):
                yield "content_block_delta", {"type": "content_block_delta", "index": i,
                                              "delta": {"type": "text_delta", "text": text[j:j + 64]}}
        else:
            yield "content_block_start", {"type": "content_block_start", "index": i,
                                          "content_block": {"type": "tool_use", "id": b["id"],
                                                            "name": b["name"], "input": {}}}
            js = json.dumps(b["input"], ensure_ascii=False)
            yield "content_block_delta", {"type": "content_block_delta", "index": i,
                                          "delta": {"type": "input_json_delta", "partial_json": ""}}
            for j in range(0, len(js), 64):
                yield "content_block_delta", {"type": "content_block_delta", "index": i,
                                              "delta": {"type": "input_json_delta", "partial_json": js[j:j + 64]}}
        yield "content_block_stop", {"type": "content_block_stop", "index": i}
    yield "message_delta", {"type": "message_delta",
                            "delta": {"stop_reason": msg["stop_reason"], "stop_sequence": None},
                            "usage": {"output_tokens": msg["usage"]["output_tokens"]}}
    yield "message_stop", {"type": "message_stop"}


# --------------------------------------------------------------------------------------
# OpenAI Responses API


def openai_error(step):
    kind = step["error"]
    msg = step.get("message")
    if kind == "usage_limit":
        reset = _reset_epoch(step)
        return 429, {}, {"error": {
            "type": "usage_limit_reached",
            "message": msg or "The usage limit has been reached",
            "plan_type": step.get("plan_type", "plus"),
            "resets_at": reset,
            "resets_in_seconds": max(0, reset - int(time.time())),
        }}
    if kind == "rate_limit":
        # codex retries a 429 (turn level, stream_max_retries) only when it carries retry-after
        headers = {"retry-after": str(step.get("retry_after", 1))} if step.get("retry") else {}
        return 429, headers, {"error": {
            "message": msg or "Rate limit reached. Please try again in 1s.",
            "type": "rate_limit_exceeded", "param": None, "code": "rate_limit_exceeded"}}
    if kind == "server_error":
        return 500, {}, {"error": {
            "message": msg or "The server had an error while processing your request.",
            "type": "server_error", "param": None, "code": None}}
    if kind == "overloaded":
        return 503, {}, {"error": {
            "message": msg or "The server is overloaded. Please try again later.",
            "type": "server_error", "param": None, "code": "server_overloaded"}}
    if kind == "auth":
        return 401, {}, {"error": {
            "message": msg or "Incorrect API key provided.",
            "type": "invalid_request_error", "param": None, "code": "invalid_api_key"}}
    if kind == "quota":
        return 429, {}, {"error": {
            "message": msg or "You exceeded your current quota, please check your plan and billing details.",
            "type": "insufficient_quota", "param": None, "code": "insufficient_quota"}}
    raise AssertionError(kind)


def openai_error_body(status_type, message, code=None):
    return {"error": {"message": message, "type": status_type, "param": None, "code": code}}


def encrypted_for(key):
    """Reasoning content "encrypted" for the organization of `key`: the real service binds it to the
    organization that produced it and rejects it from any other (codex #13724)."""
    return "enc1:" + format(zlib.crc32((key or "").encode()), "08x") + ":" + _hex(24)


def foreign_encrypted_content(body, key):
    """The id of the first reasoning item in the request whose encrypted content another key's
    organization produced, or None."""
    mine = encrypted_for(key).split(":")[1]
    for item in (body or {}).get("input") or []:
        if isinstance(item, dict) and item.get("type") == "reasoning":
            content = item.get("encrypted_content")
            if isinstance(content, str) and content.startswith("enc1:") and content.split(":")[1] != mine:
                return item.get("id") or "rs_unknown"
    return None


def openai_items(step, key=None):
    """Completed output items for a step; `"reasoning": "summary"` adds a reasoning item whose
    encrypted content is bound to `key`."""
    items = []
    if step and isinstance(step.get("reasoning"), str):
        items.append({"id": "rs_" + _hex(32), "type": "reasoning",
                      "summary": [{"type": "summary_text", "text": step["reasoning"]}],
                      "encrypted_content": encrypted_for(key)})
    text = _step_text(step)
    if text:
        items.append({"id": "msg_" + _hex(32), "type": "message", "status": "completed", "role": "assistant",
                      "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}]})
    tool = _step_tool(step)
    if tool is not None:
        kind, val = tool
        if kind == "shell":
            name, inp = "exec_command", {"cmd": val}
        else:
            name, inp = val["name"], val.get("input", {})
        items.append({"id": "fc_" + _hex(32), "type": "function_call", "status": "completed",
                      "arguments": json.dumps(inp, ensure_ascii=False), "call_id": "call_" + _hex(24),
                      "name": name})
    if not items:
        items.append({"id": "msg_" + _hex(32), "type": "message", "status": "completed", "role": "assistant",
                      "content": [{"type": "output_text", "text": "", "annotations": [], "logprobs": []}]})
    return items


def openai_response(body, items, status="completed", resp_id=None):
    inp = _estimate_tokens(body)
    out = max(1, len(json.dumps(items)) // 4)
    body = body or {}
    return {
        "id": resp_id or ("resp_" + _hex(32)),
        "object": "response",
        "created_at": int(time.time()),
        "status": status,
        "background": False,
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "max_output_tokens": None,
        "model": body.get("model") or "gpt-fake",
        "output": items if status == "completed" else [],
        "parallel_tool_calls": bool(body.get("parallel_tool_calls", False)),
        "previous_response_id": None,
        "reasoning": {"effort": None, "summary": None},
        "store": bool(body.get("store", False)),
        "temperature": 1.0,
        "text": {"format": {"type": "text"}},
        "tool_choice": body.get("tool_choice", "auto"),
        "tools": [],
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": {
            "input_tokens": inp,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": out,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": inp + out,
        } if status == "completed" else None,
        "user": None,
        "metadata": {},
    }


def openai_sse(body, items):
    """Yield (event, data) pairs; sequence_number is filled in here."""
    seq = [0]

    def ev(data):
        data["sequence_number"] = seq[0]
        seq[0] += 1
        return data["type"], data

    resp_id = "resp_" + _hex(32)
    yield ev({"type": "response.created", "response": openai_response(body, items, "in_progress", resp_id)})
    yield ev({"type": "response.in_progress", "response": openai_response(body, items, "in_progress", resp_id)})
    final = openai_response(body, items, "completed", resp_id)
    for idx, item in enumerate(items):
        if item["type"] == "message":
            text = item["content"][0]["text"]
            added = dict(item, status="in_progress", content=[])
            yield ev({"type": "response.output_item.added", "output_index": idx, "item": added})
            part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
            yield ev({"type": "response.content_part.added", "item_id": item["id"], "output_index": idx,
                      "content_index": 0, "part": part})
            for j in range(0, len(text), 64):
                yield ev({"type": "response.output_text.delta", "item_id": item["id"], "output_index": idx,
                          "content_index": 0, "delta": text[j:j + 64], "logprobs": []})
            yield ev({"type": "response.output_text.done", "item_id": item["id"], "output_index": idx,
                      "content_index": 0, "text": text, "logprobs": []})
            yield ev({"type": "response.content_part.done", "item_id": item["id"], "output_index": idx,
                      "content_index": 0, "part": dict(part, text=text)})
        elif item["type"] == "reasoning":
            yield ev({"type": "response.output_item.added", "output_index": idx,
                      "item": dict(item, summary=[], encrypted_content=None)})
        else:
            args = item["arguments"]
            added = dict(item, status="in_progress", arguments="")
            yield ev({"type": "response.output_item.added", "output_index": idx, "item": added})
            for j in range(0, len(args), 64):
                yield ev({"type": "response.function_call_arguments.delta", "item_id": item["id"],
                          "output_index": idx, "delta": args[j:j + 64]})
            yield ev({"type": "response.function_call_arguments.done", "item_id": item["id"],
                      "output_index": idx, "name": item["name"], "arguments": args})
        yield ev({"type": "response.output_item.done", "output_index": idx, "item": item})
    yield ev({"type": "response.completed", "response": final})


# --------------------------------------------------------------------------------------
# OpenAI Chat Completions (vibe, kimi, openhands; any OpenAI-compatible client)

# Shell tools of the CLIs that speak chat completions, in the order a `shell` step picks them
# from the request's `tools`: vibe `bash`, kimi `Shell`, openhands `terminal` / `execute_bash`.
CHAT_SHELL_TOOLS = ("bash", "Shell", "terminal", "execute_bash", "shell", "exec_command")


def chat_tool_names(body):
    names = []
    for tool in (body or {}).get("tools") or []:
        if isinstance(tool, dict):
            fn = tool.get("function") if isinstance(tool.get("function"), dict) else tool
            if isinstance(fn.get("name"), str):
                names.append(fn["name"])
    return names


def chat_shell_call(body, command):
    """(name, arguments) of a shell call in the dialect of the request's tools."""
    names = chat_tool_names(body)
    name = next((n for n in CHAT_SHELL_TOOLS if n in names), "bash")
    args = {"command": command}
    if name in ("terminal", "execute_bash"):
        args["security_risk"] = "LOW"  # openhands' tools require it
    if name == "exec_command":
        args = {"cmd": command}
    return name, args


def chat_message(body, step):
    """The assistant message (dict) for a step: content and tool_calls."""
    message = {"role": "assistant", "content": _step_text(step) or None}
    tool = _step_tool(step)
    if tool is not None:
        kind, val = tool
        name, args = chat_shell_call(body, val) if kind == "shell" else (val["name"], val.get("input", {}))
        message["tool_calls"] = [{"id": "call_" + _hex(24), "type": "function",
                                  "function": {"name": name, "arguments": json.dumps(args, ensure_ascii=False)}}]
    return message


def chat_usage(body, message):
    inp = _estimate_tokens(body)
    out = max(1, len(json.dumps(message)) // 4)
    return {"prompt_tokens": inp, "completion_tokens": out, "total_tokens": inp + out}


def chat_completion(body, message, comp_id):
    return {
        "id": comp_id, "object": "chat.completion", "created": int(time.time()),
        "model": (body or {}).get("model") or "fake-model", "system_fingerprint": "fp_fake",
        "choices": [{"index": 0, "message": message, "logprobs": None,
                     "finish_reason": "tool_calls" if message.get("tool_calls") else "stop"}],
        "usage": chat_usage(body, message),
    }


def chat_sse(body, message, comp_id):
    """Yield the data objects of a streamed completion (then the caller sends [DONE])."""
    base = {"id": comp_id, "object": "chat.completion.chunk", "created": int(time.time()),
            "model": (body or {}).get("model") or "fake-model", "system_fingerprint": "fp_fake"}

    def chunk(delta, finish=None):
        return dict(base, choices=[{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}])

    yield chunk({"role": "assistant", "content": ""})
    text = message.get("content") or ""
    for j in range(0, len(text), 64):
        yield chunk({"content": text[j:j + 64]})
    for i, call in enumerate(message.get("tool_calls") or []):
        args = call["function"]["arguments"]
        yield chunk({"tool_calls": [{"index": i, "id": call["id"], "type": "function",
                                     "function": {"name": call["function"]["name"], "arguments": ""}}]})
        for j in range(0, len(args), 64):
            yield chunk({"tool_calls": [{"index": i, "function": {"arguments": args[j:j + 64]}}]})
    yield chunk({}, "tool_calls" if message.get("tool_calls") else "stop")
    if ((body or {}).get("stream_options") or {}).get("include_usage"):
        yield dict(base, choices=[], usage=chat_usage(body, message))


def chat_error(step):
    """(status, headers, body) of an error step, in the shapes OpenAI-compatible vendors send."""
    kind = step["error"]
    msg = step.get("message")
    if kind in ("usage_limit", "quota") and int(step.get("status", 429 if kind == "usage_limit" else 402)) == 402:
        # Moonshot / Kimi: the plan's usage is used up (kimi-cli calls it "Membership expired").
        return 402, {}, {"error": {"message": msg or "Your account's usage limit is exhausted.",
                                   "type": "payment_required", "code": "membership_expired"}}
    if kind in ("usage_limit", "quota"):
        return 429, {}, {"error": {
            "message": msg or "You exceeded your current quota, please check your plan and billing details.",
            "type": "insufficient_quota", "param": None, "code": "insufficient_quota"}}
    if kind == "rate_limit":
        headers = {"retry-after": str(step.get("retry_after", 1))} if step.get("retry") else {}
        return 429, headers, {"error": {
            "message": msg or "Rate limit reached for requests. Please try again in 1s.",
            "type": "requests", "param": None, "code": "rate_limit_exceeded"}}
    return openai_error(step)


def fake_model(model_id):
    return {"id": model_id, "object": "model", "created": 1700000000, "owned_by": "fake-model-server",
            "max_context_length": 131072, "capabilities": {"completion_chat": True, "function_calling": True}}


# --------------------------------------------------------------------------------------
# HTTP handler


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def version_string(self):
        return "fake-model-server/1"

    def log_message(self, fmt, *args):  # access log only with --verbose
        if VERBOSE:
            sys.stderr.write("fake_model_server: %s %s\n" % (self.address_string(), fmt % args))
            sys.stderr.flush()

    # ---- low-level helpers

    def _read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks = []
            while True:
                line = self.rfile.readline()
                if not line:
                    break
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    # trailers until blank line
                    while True:
                        t = self.rfile.readline()
                        if not t or t in (b"\r\n", b"\n"):
                            break
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            raw = b"".join(chunks)
        else:
            n = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(n) if n > 0 else b""
        enc = (self.headers.get("Content-Encoding") or "").lower().strip()
        if enc in ("gzip", "x-gzip"):
            raw = zlib.decompress(raw, 16 + zlib.MAX_WBITS)
        elif enc == "deflate":
            try:
                raw = zlib.decompress(raw)
            except zlib.error:
                raw = zlib.decompress(raw, -zlib.MAX_WBITS)
        elif enc and enc != "identity":
            raise ValueError(f"unsupported Content-Encoding {enc}")
        return raw

    def _send_json(self, status, obj, headers=None):
        data = json.dumps(obj, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.wfile.flush()

    def _send_raw(self, raw):
        """A scripted verbatim reply: body may be a JSON value or (if a string) sent as-is."""
        body = raw.get("body", "")
        data = body.encode("utf-8") if isinstance(body, str) else json.dumps(body).encode("utf-8")
        headers = {str(k): str(v) for k, v in raw.get("headers", {}).items()}
        self.send_response(int(raw.get("status", 200)))
        if not any(k.lower() == "content-type" for k in headers):
            self.send_header("Content-Type", "application/json" if not isinstance(body, str) else "text/plain")
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def _start_sse(self, headers=None):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()

    def _chunk(self, data):
        if data:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

    def _end_chunks(self):
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _sse_event(self, event, data):
        self._chunk(f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode("utf-8"))

    def _key(self):
        k = self.headers.get("x-api-key")
        if k:
            return k
        auth = self.headers.get("Authorization") or ""
        if auth.lower().startswith("bearer "):
            return auth[7:].strip()
        return None

    # ---- dispatch

    def _dispatch(self):
        try:
            path = urlsplit(self.path).path
            m = self.command
            if m == "HEAD":
                return self._send_json(200, {})
            if path == "/_control/script" and m == "POST":
                return self._control_script()
            if path == "/_control/requests" and m == "GET":
                return self._send_json(200, STATE.snapshot())
            if path in ("/v1/messages/count_tokens",) and m == "POST":
                return self._anthropic_count_tokens()
            if path == "/v1/messages" and m == "POST":
                return self._anthropic_messages(path)
            if path == "/v1/responses" and m == "POST":
                return self._openai_responses(path)
            if path == "/oauth/token" and m == "POST":
                return self._oauth_token(path)
            if path in ("/v1/chat/completions", "/chat/completions") and m == "POST":
                return self._chat_completions(path)
            if path.startswith("/v1/models") and m == "GET":
                return self._models(path)
            if path == "/api/v1/code/managed-config" and m == "GET":
                # vibe's managed (organisation) config: none.
                return self._send_json(200, {})
            # drain any body so keep-alive stays in sync
            try:
                self._read_body()
            except Exception:
                pass
            if path.startswith("/v1/messages") or self.headers.get("x-api-key") or \
                    self.headers.get("anthropic-version"):
                return self._send_json(404, anthropic_error_body("not_found_error", f"Not found: {m} {path}"))
            return self._send_json(404, openai_error_body("invalid_request_error", f"Not found: {m} {path}"))
        except (BrokenPipeError, ConnectionResetError):
            pass
        except Exception:
            sys.stderr.write(f"fake_model_server: error handling {self.command} {self.path}:\n")
            traceback.print_exc(file=sys.stderr)
            sys.stderr.flush()
            try:
                self._send_json(500, {"error": {"type": "fake_server_bug", "message": "internal fake server error"}})
            except Exception:
                pass

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _dispatch

    # ---- control

    def _control_script(self):
        try:
            script = json.loads(self._read_body() or b"null")
            STATE.set_script(script)
        except (ValueError, ScriptError) as e:
            return self._send_json(400, {"error": {"type": "invalid_script", "message": str(e)}})
        return self._send_json(200, {"ok": True})

    # ---- oauth

    def _oauth_token(self, path):
        """A token endpoint: refresh_token grants answered from the script's "oauth" map."""
        try:
            raw = self._read_body()
            ctype = (self.headers.get("Content-Type") or "").lower()
            if "application/x-www-form-urlencoded" in ctype:
                body = {k: v[-1] for k, v in parse_qs(raw.decode("utf-8"), keep_blank_values=True).items()}
            else:
                body = json.loads(raw.decode("utf-8"))
                if not isinstance(body, dict):
                    raise ValueError("request body must be a JSON object")
        except (ValueError, UnicodeDecodeError, zlib.error) as e:
            STATE.record("oauth", path, None, None, None)
            return self._send_json(400, {"error": "invalid_request", "error_description": f"invalid body: {e}"})
        token = body.get("refresh_token")
        if body.get("grant_type") != "refresh_token" or not isinstance(token, str):
            STATE.record("oauth", path, token if isinstance(token, str) else None, None, body)
            return self._send_json(400, {"error": "unsupported_grant_type",
                                         "error_description": "only refresh_token grants are supported"})
        status, reply, entry = STATE.oauth_reply(token)
        STATE.record("oauth", path, token, entry, body)
        if entry and entry.get("delay_ms"):
            time.sleep(entry["delay_ms"] / 1000.0)
        return self._send_json(status, reply)

    # ---- anthropic

    def _parse_json(self):
        """Parsed JSON object body, or raises ValueError."""
        raw = self._read_body()
        body = json.loads(raw.decode("utf-8"))
        if not isinstance(body, dict):
            raise ValueError("request body must be a JSON object")
        return body

    def _anthropic_count_tokens(self):
        try:
            body = self._parse_json()
        except (ValueError, zlib.error) as e:
            return self._send_json(400, anthropic_error_body("invalid_request_error", f"invalid JSON body: {e}"))
        return self._send_json(200, {"input_tokens": _estimate_tokens(body)})

    def _anthropic_messages(self, path):
        key = self._key()
        try:
            body = self._parse_json()
        except (ValueError, zlib.error) as e:
            STATE.record("anthropic", path, key, None, None)
            return self._send_json(400, anthropic_error_body("invalid_request_error", f"invalid JSON body: {e}"))
        step = STATE.next_step(key)
        STATE.record("anthropic", path, key, step, body)
        if step and step.get("delay_ms"):
            time.sleep(step["delay_ms"] / 1000.0)
        req_id = "req_" + _hex(24)
        if step and "raw" in step:
            return self._send_raw(step["raw"])
        if step and "error" in step:
            status, headers, err = anthropic_error(step)
            err["request_id"] = req_id
            headers["request-id"] = req_id
            return self._send_json(status, err, headers)
        msg = anthropic_message(body, step, anthropic_content(step))
        headers = {"request-id": req_id, "anthropic-organization-id": "00000000-0000-0000-0000-000000000000"}
        headers.update(anthropic_quota_headers(step))
        if body.get("stream"):
            self._start_sse(headers)
            for event, data in anthropic_sse(msg):
                self._sse_event(event, data)
            self._end_chunks()
        else:
            self._send_json(200, msg, headers)

    # ---- openai

    def _openai_responses(self, path):
        key = self._key()
        try:
            body = self._parse_json()
        except (ValueError, zlib.error) as e:
            STATE.record("openai", path, key, None, None)
            return self._send_json(400, openai_error_body("invalid_request_error", f"invalid JSON body: {e}"))
        step = STATE.next_step(key)
        STATE.record("openai", path, key, step, body)
        if step and step.get("delay_ms"):
            time.sleep(step["delay_ms"] / 1000.0)
        req_id = "req_" + _hex(32)
        if step and "raw" in step:
            return self._send_raw(step["raw"])
        if step and "error" in step:
            status, headers, err = openai_error(step)
            headers["x-request-id"] = req_id
            return self._send_json(status, err, headers)
        foreign = foreign_encrypted_content(body, key)
        if foreign:
            return self._send_json(400, openai_error_body(
                "invalid_request_error",
                f"The encrypted content for item {foreign} could not be verified. "
                "Reason: organization_id mismatch.", "invalid_encrypted_content"), {"x-request-id": req_id})
        items = openai_items(step, key)
        headers = {"x-request-id": req_id}
        headers.update(openai_quota_headers(step))
        if body.get("stream", False):
            self._start_sse(headers)
            for event, data in openai_sse(body, items):
                self._sse_event(event, data)
            self._end_chunks()
        else:
            self._send_json(200, openai_response(body, items), headers)

    # ---- openai chat completions

    def _models(self, path):
        rest = path[len("/v1/models"):].strip("/")
        if rest:
            return self._send_json(200, fake_model(rest))
        return self._send_json(200, {"object": "list", "data": [fake_model("fake-model")]})

    def _send_sse_data(self, data):
        self._chunk(f"data: {json.dumps(data, ensure_ascii=False)}\n\n".encode("utf-8"))

    def _chat_completions(self, path):
        key = self._key()
        try:
            body = self._parse_json()
        except (ValueError, zlib.error) as e:
            STATE.record("chat", path, key, None, None)
            return self._send_json(400, openai_error_body("invalid_request_error", f"invalid JSON body: {e}"))
        step = STATE.next_step(key)
        STATE.record("chat", path, key, step, body)
        if step and step.get("delay_ms"):
            time.sleep(step["delay_ms"] / 1000.0)
        req_id = "req_" + _hex(32)
        if step and "raw" in step:
            return self._send_raw(step["raw"])
        if step and "error" in step:
            status, headers, err = chat_error(step)
            headers["x-request-id"] = req_id
            return self._send_json(status, err, headers)
        message = chat_message(body, step)
        comp_id = "chatcmpl-" + _hex(29)
        headers = {"x-request-id": req_id}
        if body.get("stream"):
            self._start_sse(headers)
            for data in chat_sse(body, message, comp_id):
                self._send_sse_data(data)
            self._chunk(b"data: [DONE]\n\n")
            self._end_chunks()
        else:
            self._send_json(200, chat_completion(body, message, comp_id), headers)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (BrokenPipeError, ConnectionResetError)):
            return
        sys.stderr.write(f"fake_model_server: connection error from {client_address}:\n")
        traceback.print_exc(file=sys.stderr)
        sys.stderr.flush()


def main(argv=None):
    global STATE, VERBOSE
    ap = argparse.ArgumentParser(description="Scripted fake Anthropic/OpenAI model server.")
    ap.add_argument("--script", help="script JSON file (default: every request answers \"OK\")")
    ap.add_argument("--log", help="append one JSON line per model request to this file")
    ap.add_argument("--port", type=int, default=0, help="port to bind (0 = ephemeral)")
    ap.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    ap.add_argument("--exit-on-stdin-eof", action="store_true",
                    help="exit when stdin reaches EOF (keep a pipe to stdin open while in use)")
    ap.add_argument("--verbose", action="store_true", help="log every HTTP request line to stderr")
    args = ap.parse_args(argv)
    VERBOSE = args.verbose

    script = {}
    try:
        if args.script:
            with open(args.script, encoding="utf-8") as f:
                script = json.load(f)
        STATE = State(script, args.log)
    except (OSError, ValueError) as e:
        sys.stderr.write(f"fake_model_server: cannot load script: {e}\n")
        return 2

    httpd = Server((args.host, args.port), Handler)
    stop = threading.Event()
    signalled = []

    def on_signal(signum, frame):
        # No lock here: the handler runs on the main thread between two bytecodes, possibly inside
        # `stop.wait`, which holds the event's lock — `stop.set()` from here deadlocked the server
        # when its stdin closed and SIGTERM came at once (as both the tests and the benchmarks stop it).
        signalled.append(signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    t = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    t.start()

    if args.exit_on_stdin_eof:
        def watch_stdin():
            try:
                while True:
                    chunk = os.read(sys.stdin.fileno(), 4096)
                    if not chunk:
                        break
            except OSError:
                pass
            stop.set()
        threading.Thread(target=watch_stdin, daemon=True).start()

    sys.stdout.write(f"LISTENING {httpd.server_address[1]}\n")
    sys.stdout.flush()

    while not signalled and not stop.is_set():
        time.sleep(0.05)
    httpd.shutdown()
    httpd.server_close()
    if STATE.log_file is not None:
        STATE.log_file.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
