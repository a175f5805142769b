"""BRIEFBOT_LOG_FORMAT=json: one JSON object a line from a real `briefbot serve` and
`briefbot run`, with the Slack request's context and never a token."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET
from tests.fakeslack import FakeSlack
from tests.fakeslack.payloads import slash_command
from tests.fakeslack.signed_http import post_form
from tests.support.processes import bot_env, free_port, start_briefbot, stop, wait_http

pytestmark = pytest.mark.slow

TEAM_ID = "T0LOCAL"
SECRET_WORD = "zanzibar-quokka"
"""Typed as part of a command whose text the log must never carry."""


def _json_lines(log: Path) -> list[dict]:
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    assert lines
    parsed = [json.loads(line) for line in lines]  # every line is one JSON object
    for line in parsed:
        assert {"time", "level", "logger", "message"} <= set(line), line
    return parsed


def _no_secrets(log: Path) -> None:
    text = log.read_text()
    assert BOT_TOKEN not in text and APP_TOKEN not in text and SIGNING_SECRET not in text
    assert SECRET_WORD not in text


def _zone_lookup_line(lines: list[dict]) -> dict:
    """The line /brief subscribe logs when Slack does not give the person's time zone."""
    (line,) = [line for line in lines if "no time zone for U0ALICE" in line["message"]]
    return line


def test_serve_logs_json_lines_with_the_requests_context(tmp_path: Path) -> None:
    """Under serve, a line logged while answering /brief names command, team and channel."""
    port = free_port()
    log = tmp_path / "serve.log"
    with FakeSlack(bot_tokens=[BOT_TOKEN], app_tokens=[APP_TOKEN]) as slack:
        env = bot_env(
            tmp_path,
            slack.api_url,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            BRIEFBOT_LOG_FORMAT="json",
        )
        process = start_briefbot(["serve", "--host", "127.0.0.1", "--port", str(port)], env, log)
        try:
            wait_http(f"http://127.0.0.1:{port}/healthz", process, log)
            slack.fail("users.info", error="user_not_found", times=None)
            reply = post_form(
                f"http://127.0.0.1:{port}/slack/events",
                slash_command(
                    "/brief",
                    f"subscribe 09:00 {SECRET_WORD}",
                    response_url=slack.new_response_url(),
                ),
                secret=SIGNING_SECRET,
            )
            assert reply.status == 200
            slack.wait_for(lambda: "no time zone" in log.read_text(), timeout=10)
        finally:
            stop(process)
    lines = _json_lines(log)
    line = _zone_lookup_line(lines)
    assert line["command"] == "/brief" and line["team"] == TEAM_ID
    assert line["channel"] == "C0GENERAL" and line["level"] == "INFO"
    assert line["time"].endswith("+00:00")
    # Lines from start-up belong to no request, so they carry no request context.
    ready = [entry for entry in lines if entry["message"].startswith("briefbot ready")]
    assert ready and "command" not in ready[0]
    _no_secrets(log)


def test_run_logs_json_lines_with_the_requests_context(tmp_path: Path) -> None:
    """Under run (Socket Mode), the same: JSON lines, request context, no tokens."""
    log = tmp_path / "run.log"
    with FakeSlack(bot_tokens=[BOT_TOKEN], app_tokens=[APP_TOKEN]) as slack:
        env = bot_env(
            tmp_path,
            slack.api_url,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_APP_TOKEN=APP_TOKEN,
            BRIEFBOT_LOG_FORMAT="json",
        )
        process = start_briefbot(["run"], env, log)
        try:
            slack.wait_connected(30)
            slack.fail("users.info", error="user_not_found", times=None)
            slack.send_envelope(
                "slash_commands",
                slash_command(
                    "/brief",
                    f"subscribe 09:00 {SECRET_WORD}",
                    response_url=slack.new_response_url(),
                ),
            )
            slack.wait_for(lambda: "no time zone" in log.read_text(), timeout=10)
        finally:
            stop(process)
    line = _zone_lookup_line(_json_lines(log))
    assert (line["command"], line["team"], line["channel"]) == ("/brief", TEAM_ID, "C0GENERAL")
    _no_secrets(log)


def test_an_unknown_log_format_is_a_configuration_error(tmp_path: Path) -> None:
    """BRIEFBOT_LOG_FORMAT=xml stops start-up with a line that names it and the choices."""
    env = bot_env(
        tmp_path,
        "http://127.0.0.1:9/api/",
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        BRIEFBOT_LOG_FORMAT="xml",
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot", "serve"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "BRIEFBOT_LOG_FORMAT must be text" in done.stderr and "json" in done.stderr
