"""Running briefbot as real processes (`briefbot serve`, `briefbot run`) against a fake
Slack, and running test code in several OS processes at once.

`serving(tmp)` (and the `served_bot` fixture in tests/conftest.py) is the one way tests
get a `briefbot serve` with its fake Slack: a `ServedBot`, whose `settle()` returns once
the process reports nothing in flight and the fake Slack is quiet.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.fakeslack import FakeSlack

ROOT = Path(__file__).resolve().parents[2]

HANG_GUARD_S = 120
"""Generous: only to turn a deadlock between processes into a failure, not a hung run."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bot_env(tmp: Path, api_url: str, **extra: str) -> dict[str, str]:
    """An environment for a briefbot process: its own content copy and SQLite file."""
    content = tmp / "content"
    if not content.exists():
        shutil.copytree(ROOT / "content", content)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BRIEFBOT_"))}
    env.update(
        {
            "SLACK_API_URL": api_url,
            "BRIEFBOT_CONTENT_DIR": str(content),
            "DATABASE_URL": f"sqlite:///{tmp / 'bot.db'}",
            "BRIEFBOT_LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


def start_briefbot(args: list[str], env: Mapping[str, str], log: Path) -> subprocess.Popen:
    handle = log.open("w")
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        env=dict(env),
        cwd=ROOT,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )


def wait_http(url: str, process: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"briefbot exited early:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer in {timeout} s:\n{log.read_text()}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def briefbot(
    *args: str, cwd: Path, env: Mapping[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ARGS` in `cwd` and capture its output (TimeoutExpired after
    `timeout` seconds).

    The bot's own settings are taken out of the inherited environment, so only `env`
    decides where content and the database are.
    """
    environment = {
        k: v for k, v in os.environ.items() if k not in {"BRIEFBOT_CONTENT_DIR", "DATABASE_URL"}
    }
    environment["PYTHONPATH"] = str(ROOT)
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_together(target: Callable[..., None], args: Sequence[tuple[Any, ...]]) -> list[Any]:
    """Run `target(barrier, results, *a)` for each `a` in `args`, each in a new OS process.

    The processes are spawned, not forked, so each starts as a new replica would;
    `target` calls `barrier.wait(timeout=HANG_GUARD_S)` to be released with the others
    and puts one report on `results`. Returns the reports in the order they came, after
    checking that every process ended cleanly.
    """
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(args))
    results = context.Queue()
    processes = [context.Process(target=target, args=(barrier, results, *a)) for a in args]
    for process in processes:
        process.start()
    reports = [results.get(timeout=HANG_GUARD_S) for _ in processes]
    for process in processes:
        process.join(timeout=HANG_GUARD_S)
        assert process.exitcode == 0
    return reports


@contextmanager
def serve_briefbot(tmp: Path, api_url: str, **extra: str) -> Iterator[str]:
    """A `briefbot serve` process on a free port, against the Slack at `api_url`, with
    the bot token and signing secret the tests use (`extra` may set them to "" to leave
    them out); yields its base URL once /healthz answers, and stops it afterwards. Its
    log is `tmp/serve.log`."""
    from tests.conftest import BOT_TOKEN, SIGNING_SECRET

    port = free_port()
    tokens = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}
    env = bot_env(tmp, api_url, **(tokens | extra))
    log = tmp / "serve.log"
    process = start_briefbot(["serve", "--host", "127.0.0.1", "--port", str(port)], env, log)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", process, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


@dataclass
class ServedBot:
    """A running `briefbot serve` and the fake Slack it talks to."""

    slack: FakeSlack
    base: str
    """http://127.0.0.1:PORT of the process."""
    log: Path

    @property
    def events(self) -> str:
        """Where Slack sends requests: POST /slack/events."""
        return f"{self.base}/slack/events"

    def health(self, *, verbose: bool = False) -> dict[str, Any]:
        """What GET /healthz (or /healthz?verbose=1) answers now."""
        url = f"{self.base}/healthz" + ("?verbose=1" if verbose else "")
        with urllib.request.urlopen(url, timeout=5) as response:
            body: dict[str, Any] = json.load(response)
        return body

    def idle(self, timeout: float) -> bool:
        """Wait up to `timeout` s for the process to report nothing in flight (its
        listeners and work after the ack: `in_flight` in /healthz?verbose=1)."""
        from tests.fakeslack import wait_for

        try:
            wait_for(lambda: self.health(verbose=True)["in_flight"] == 0, timeout, 0.02)
        except TimeoutError:
            return False
        return True

    def settle(self, timeout: float = 10.0) -> None:
        """Return once the process is idle and its Slack quiet (`ScriptedSlack.settle`)."""
        self.slack.settle(self.idle, timeout=timeout)


@contextmanager
def serving(tmp: Path, **extra: str) -> Iterator[ServedBot]:
    """A fake Slack (Web API, response URLs, Socket Mode) and a `briefbot serve` against
    it (`serve_briefbot`, environment `extra` added); both stopped afterwards."""
    from tests.conftest import APP_TOKEN, BOT_TOKEN
    from tests.fakeslack import FakeSlack

    with (
        FakeSlack(bot_tokens=[BOT_TOKEN], app_tokens=[APP_TOKEN]) as slack,
        serve_briefbot(tmp, slack.api_url, **extra) as base,
    ):
        yield ServedBot(slack, base, tmp / "serve.log")


@dataclass
class SocketModeBot:
    """A running `briefbot run` connected to its fake Slack over Socket Mode."""

    slack: FakeSlack
    process: subprocess.Popen
    log: Path

    def settle(self, timeout: float = 10.0) -> None:
        """Stop the process (SIGTERM), which first finishes its listeners and its work
        after the ack, then wait for its Slack to be quiet. A Socket Mode process has no
        /healthz to ask, so this is its barrier; the bot is gone afterwards."""
        stop(self.process)
        if self.process.returncode != 0:
            raise AssertionError(
                f"briefbot run did not stop cleanly ({self.process.returncode}):\n"
                + self.log.read_text()
            )
        self.slack.settle(lambda _: True, timeout=timeout)


@contextmanager
def socket_mode(tmp: Path, **extra: str) -> Iterator[SocketModeBot]:
    """A FakeSlack and a `briefbot run` connected to it (environment `extra` added);
    both stopped afterwards. Its log is `tmp/run.log`."""
    from tests.conftest import APP_TOKEN, BOT_TOKEN
    from tests.fakeslack import FakeSlack

    with FakeSlack(bot_tokens=[BOT_TOKEN], app_tokens=[APP_TOKEN]) as slack:
        env = bot_env(tmp, slack.api_url, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN)
        env.update(extra)
        log = tmp / "run.log"
        process = start_briefbot(["run"], env, log)
        try:
            try:
                slack.wait_connected(30)
            except TimeoutError:
                raise AssertionError(log.read_text()) from None
            yield SocketModeBot(slack, process, log)
        finally:
            stop(process)
