"""Starting against Slack, as real `briefbot serve` and `briefbot run` processes: a refused
token, an unreachable Slack, readiness on /healthz, and a graceful stop on SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET
from tests.fakeslack import FakeSlack
from tests.fakeslack.payloads import block_action, slash_command
from tests.fakeslack.signed_http import post_form, post_interactive
from tests.support.processes import bot_env, free_port, start_briefbot, stop
from tests.support.tcp import Proxy

pytestmark = pytest.mark.slow
pytest_plugins = ("tests.support.databases",)

DISTILLATION = "ai-distillation-national-security"


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _wait_health(base: str, slack: FakeSlack, wanted: int, timeout: float = 30) -> dict:
    def answered() -> dict | None:
        try:
            status, body = _get(base + "/healthz")
        except OSError:
            return None
        return body if status == wanted else None

    return slack.wait_for(answered, timeout=timeout, interval=0.1)


def _serve(tmp: Path, api_url: str, port: int, token: str = BOT_TOKEN) -> subprocess.Popen:
    env = bot_env(tmp, api_url, SLACK_BOT_TOKEN=token, SLACK_SIGNING_SECRET=SIGNING_SECRET)
    return start_briefbot(
        ["serve", "--host", "127.0.0.1", "--port", str(port)], env, tmp / "serve.log"
    )


def _exits(process: subprocess.Popen, timeout: float = 30) -> int:
    try:
        return process.wait(timeout)
    finally:
        stop(process)


@pytest.mark.parametrize("mode", ["serve", "run"])
@pytest.mark.parametrize("refusal", ["invalid_auth", "token_revoked"])
def test_a_refused_token_gets_one_line_and_exit_2(tmp_path: Path, mode: str, refusal: str) -> None:
    """Slack refusing SLACK_BOT_TOKEN ends start-up with one line naming it, and exit 2."""
    with FakeSlack(bot_tokens=["xoxb-another-app"], app_tokens=[APP_TOKEN]) as slack:
        if refusal == "token_revoked":
            slack.add_token(BOT_TOKEN)
            slack.revoke_token(BOT_TOKEN)
        env = bot_env(
            tmp_path,
            slack.api_url,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_APP_TOKEN=APP_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
        )
        args = [mode] + (
            ["--host", "127.0.0.1", "--port", str(free_port())] if mode == "serve" else []
        )
        done = subprocess.run(
            [sys.executable, "-m", "bot", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "BoltError" not in done.stderr
    (line,) = [line for line in done.stderr.splitlines() if "SLACK_BOT_TOKEN" in line]
    assert line.startswith(f"Slack refused SLACK_BOT_TOKEN ({refusal})")
    assert "OAuth & Permissions" in line


def test_a_refused_app_token_gets_one_line_and_exit_2(tmp_path: Path) -> None:
    """`briefbot run` with an app token Slack refuses names SLACK_APP_TOKEN, and exits 2."""
    with FakeSlack(bot_tokens=[BOT_TOKEN], app_tokens=["xapp-another-app"]) as slack:
        env = bot_env(tmp_path, slack.api_url, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN)
        done = subprocess.run(
            [sys.executable, "-m", "bot", "run"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "Slack refused SLACK_APP_TOKEN (invalid_auth)" in done.stderr


def test_serve_waits_for_an_unreachable_slack_and_says_so_on_healthz(tmp_path: Path) -> None:
    """Slack out of reach: one log line an attempt, /healthz and Slack's requests get 503
    with the reason; once Slack answers, /healthz says 200 and commands are answered."""
    slack_port, port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    slack = FakeSlack(bot_tokens=[BOT_TOKEN], app_tokens=[APP_TOKEN], port=slack_port)
    process = _serve(tmp_path, f"http://127.0.0.1:{slack_port}/api/", port)
    log = tmp_path / "serve.log"
    try:
        body = _wait_health(base, slack, 503)
        slack.wait_for(lambda: "auth.test attempt 2 failed" in log.read_text(), timeout=30)
        status, body = _get(base + "/healthz")
        assert status == 503 and "cannot reach Slack" in body["reason"], body
        early = post_form(
            base + "/slack/events",
            slash_command("/brief", "distillation", response_url="http://127.0.0.1:9/r"),
            secret=SIGNING_SECRET,
        )
        assert early.status == 503
        with slack:
            _wait_health(base, slack, 200)
            answer = post_form(
                base + "/slack/events",
                slash_command("/brief", "distillation", response_url=slack.new_response_url()),
                secret=SIGNING_SECRET,
            )
            assert answer.status == 200 and "distillation" in answer.text.lower()
            process.send_signal(signal.SIGTERM)
            assert _exits(process) == 0
    finally:
        stop(process)
    text = log.read_text()
    attempts = [line for line in text.splitlines() if "auth.test attempt" in line]
    assert len(attempts) >= 2 and all("cannot reach Slack" in line for line in attempts)
    assert "Traceback" not in text and "Failed to send a request" not in text


def test_serve_retries_slacks_5xx_until_it_accepts_the_token(tmp_path: Path) -> None:
    """auth.test answered 503 twice: logged twice, then the bot is ready."""
    port = free_port()
    with FakeSlack(bot_tokens=[BOT_TOKEN], app_tokens=[APP_TOKEN]) as slack:
        slack.fail("auth.test", status=503, times=2)
        process = _serve(tmp_path, slack.api_url, port)
        try:
            _wait_health(f"http://127.0.0.1:{port}", slack, 200)
        finally:
            stop(process)
    text = (tmp_path / "serve.log").read_text()
    attempts = [line for line in text.splitlines() if "auth.test attempt" in line]
    assert len(attempts) == 2 and all("HTTP 503" in line for line in attempts), text


def test_run_waits_for_an_unreachable_slack_then_connects(tmp_path: Path) -> None:
    """`briefbot run` with Slack out of reach retries, and connects once Slack is back."""
    slack_port = free_port()
    slack = FakeSlack(bot_tokens=[BOT_TOKEN], app_tokens=[APP_TOKEN], port=slack_port)
    env = bot_env(
        tmp_path,
        f"http://127.0.0.1:{slack_port}/api/",
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_APP_TOKEN=APP_TOKEN,
    )
    log = tmp_path / "run.log"
    process = start_briefbot(["run"], env, log)
    try:
        # Generous limits: a loaded two-core machine starts Python processes slowly.
        slack.wait_for(lambda: "auth.test attempt 1 failed" in log.read_text(), timeout=60)
        with slack:
            slack.wait_connected(60)
            process.send_signal(signal.SIGTERM)
            assert _exits(process) == 0
    finally:
        stop(process)
    assert "Traceback" not in log.read_text()


def test_healthz_verbose_reports_content_reload_and_sweep(tmp_path: Path) -> None:
    """/healthz?verbose=1 adds counts, the last reload and the last sweep; plain stays short."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with FakeSlack(bot_tokens=[BOT_TOKEN], app_tokens=[APP_TOKEN]) as slack:
        process = _serve(tmp_path, slack.api_url, port)
        try:
            plain = _wait_health(base, slack, 200)
            assert plain["ok"] is True and "briefs" not in plain
            verbose = slack.wait_for(
                lambda: (body := _get(base + "/healthz?verbose=1")[1])["last_sweep"] and body,
                timeout=30,
            )
        finally:
            stop(process)
    assert verbose["briefs"] > 0 and verbose["terms"] > 0
    assert verbose["content_version"] == plain["content_version"]
    assert verbose["last_reload"]["ok"] is True and verbose["last_reload"]["trigger"] == "start"
    assert verbose["last_sweep"]["ok"] is True and "posted" in verbose["last_sweep"]


def test_sigterm_under_serve_finishes_the_post_in_flight_and_exits_0(tmp_path: Path) -> None:
    """SIGTERM right after a Share click: the slow chat.postMessage still lands; exit 0."""
    port = free_port()
    with FakeSlack(bot_tokens=[BOT_TOKEN], app_tokens=[APP_TOKEN]) as slack:
        process = _serve(tmp_path, slack.api_url, port)
        try:
            _wait_health(f"http://127.0.0.1:{port}", slack, 200)
            slack.fail("chat.postMessage", delay=1.5)
            payload = block_action(
                "share_brief",
                DISTILLATION,
                container_type="ephemeral",
                response_url=slack.new_response_url(),
            )
            reply = post_interactive(
                f"http://127.0.0.1:{port}/slack/events", payload, secret=SIGNING_SECRET
            )
            assert reply.status == 200
            slack.wait_for(lambda: slack.calls_to("chat.postMessage"), timeout=10)
            process.send_signal(signal.SIGTERM)
            assert _exits(process) == 0
        finally:
            stop(process)
        assert any("Shared by" in json.dumps(m) for m in slack.messages("C0GENERAL"))
    text = (tmp_path / "serve.log").read_text()
    assert "daily brief clock stopped" in text and "Traceback" not in text


def test_sigterm_under_run_finishes_the_post_in_flight_and_exits_0(tmp_path: Path) -> None:
    """SIGTERM while a Socket Mode Share is posting: the post lands, the clock stops; exit 0."""
    with FakeSlack(bot_tokens=[BOT_TOKEN], app_tokens=[APP_TOKEN]) as slack:
        env = bot_env(tmp_path, slack.api_url, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN)
        process = start_briefbot(["run"], env, tmp_path / "run.log")
        try:
            slack.wait_connected(30)
            slack.fail("chat.postMessage", delay=1.5)
            slack.send_envelope(
                "interactive",
                block_action(
                    "share_brief",
                    DISTILLATION,
                    container_type="ephemeral",
                    response_url=slack.new_response_url(),
                ),
            )
            slack.wait_for(lambda: slack.calls_to("chat.postMessage"), timeout=10)
            process.send_signal(signal.SIGTERM)
            assert _exits(process) == 0
        finally:
            stop(process)
        assert any("Shared by" in json.dumps(m) for m in slack.messages("C0GENERAL"))
    text = (tmp_path / "run.log").read_text()
    assert "daily brief clock stopped" in text and "Traceback" not in text


@pytest.mark.postgres
def test_healthz_says_503_while_the_database_is_unreachable(
    tmp_path: Path, postgres_url: str
) -> None:
    """A database that stops answering turns /healthz to 503 with the reason; back, 200."""
    from sqlalchemy import make_url

    url = make_url(postgres_url)
    proxy = Proxy(url.host or "127.0.0.1", url.port or 5432)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    through_proxy = url.set(host="127.0.0.1", port=proxy.port)
    with FakeSlack(bot_tokens=[BOT_TOKEN], app_tokens=[APP_TOKEN]) as slack:
        env = bot_env(
            tmp_path,
            slack.api_url,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            DATABASE_URL=through_proxy.render_as_string(hide_password=False),
            BRIEFBOT_CLOCK="off",
        )
        process = start_briefbot(
            ["serve", "--host", "127.0.0.1", "--port", str(port)], env, tmp_path / "serve.log"
        )
        try:
            _wait_health(base, slack, 200)
            proxy.cut()
            body = _wait_health(base, slack, 503)
            assert body["reason"].startswith("database unreachable"), body
            proxy.restore()
            _wait_health(base, slack, 200)
        finally:
            stop(process)
            proxy.cut()


def test_the_wsgi_entry_point_starts_ready_and_answers_healthz(tmp_path: Path) -> None:
    """`bot.wsgi:create_application()` (for gunicorn and other WSGI servers) checks the token
    and returns an app whose /healthz says ready."""
    script = (
        "import json, wsgiref.util\n"
        "from bot.wsgi import create_application\n"
        "app = create_application()\n"
        "environ = {'PATH_INFO': '/healthz', 'QUERY_STRING': 'verbose=1'}\n"
        "wsgiref.util.setup_testing_defaults(environ)\n"
        "seen = []\n"
        "body = b''.join(app(environ, lambda status, headers: seen.append(status)))\n"
        "print(seen[0], json.loads(body)['briefs'])\n"
    )
    with FakeSlack(bot_tokens=[BOT_TOKEN], app_tokens=[APP_TOKEN]) as slack:
        env = bot_env(
            tmp_path,
            slack.api_url,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            BRIEFBOT_CLOCK="off",
            BRIEFBOT_WATCH="off",
        )
        done = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
        )
        assert slack.calls_to("auth.test")
    assert done.returncode == 0, done.stderr
    status, briefs = done.stdout.split()[-3:-1], done.stdout.split()[-1]
    assert status == ["200", "OK"] and int(briefs) > 0
