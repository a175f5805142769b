"""Fixtures shared by every test: credentials, a local Slack, a clock and a served bot.

One of each: `local_slack` (a ScriptedSlack) or `fake_slack` (with Socket Mode) is the
Slack of a test, `clock` its time where the code under test takes a clock, and
`served_bot` a real `briefbot serve` with its own fake Slack. The in-process bot
(`tests/support/bot.py`) talks to `local_slack`.
"""

from __future__ import annotations

import compileall
import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.localslack import DEFAULT_APP_TOKEN, DEFAULT_BOT_TOKEN
from bot.search.meaning import MeaningModel, load_model
from bot.store import make_engine, sqlite_url, upgrade
from tests.fakeslack import FakeSlack, ScriptedSlack
from tests.support.clock import START, Clock
from tests.support.processes import ServedBot, serving

# `cli` (briefbot's entry point run in this process) is for every CLI test; loaded here so
# its module is assertion-rewritten before test modules import its helpers.
pytest_plugins = ("tests.support.cli",)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Write the bytecode of bot/ and tests/ once, before any test starts a process.

    Tests start hundreds of briefbot processes (and spawned test processes). Where
    PYTHONDONTWRITEBYTECODE is set, as on CI's machine, none of them would write it, so
    each would compile every module again at start-up, as an installed briefbot never
    does. Only the first process of a run (not each xdist worker) writes it.
    """
    if hasattr(session.config, "workerinput"):
        return
    root = Path(__file__).resolve().parents[1]
    for folder in ("bot", "tests"):
        compileall.compile_dir(root / folder, quiet=1)


# The local Slack's own tokens: a ScriptedSlack made anywhere accepts them.
BOT_TOKEN = DEFAULT_BOT_TOKEN
APP_TOKEN = DEFAULT_APP_TOKEN
SIGNING_SECRET = "test-signing-secret-0123456789abcdef"


@pytest.fixture
def bot_token() -> str:
    """The bot token the fake Slack accepts."""
    return BOT_TOKEN


@pytest.fixture
def app_token() -> str:
    """The app-level token (Socket Mode) the fake Slack accepts."""
    return APP_TOKEN


@pytest.fixture
def signing_secret() -> str:
    """The secret HTTP-mode requests are signed with."""
    return SIGNING_SECRET


@pytest.fixture
def local_slack(bot_token: str, app_token: str) -> Iterator[ScriptedSlack]:
    """A running ScriptedSlack (Web API and response URLs), stopped after the test."""
    with ScriptedSlack(bot_tokens=[bot_token], app_tokens=[app_token]) as slack:
        yield slack


@pytest.fixture
def fake_slack(bot_token: str, app_token: str) -> Iterator[FakeSlack]:
    """A running FakeSlack (ScriptedSlack plus a Socket Mode WebSocket), stopped after."""
    with FakeSlack(bot_tokens=[bot_token], app_tokens=[app_token]) as slack:
        yield slack


@pytest.fixture
def clock_start() -> dt.datetime:
    """Where `clock` starts; a module overrides this fixture to start elsewhere."""
    return START


@pytest.fixture
def clock(clock_start: dt.datetime) -> Clock:
    """A clock the test moves by hand (`set`, `advance`), for code that takes a clock."""
    return Clock(clock_start)


@pytest.fixture
def served_bot(tmp_path: Path) -> Iterator[ServedBot]:
    """A `briefbot serve` on SQLite in tmp_path with its own FakeSlack, stopped after.

    For a module-wide one, or other settings, use `tests.support.processes.serving`.
    """
    with serving(tmp_path) as served:
        yield served


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file the migrations brought to the newest schema, once a session (and
    xdist worker). Tests that need a migrated database start from a copy of it
    (`migrated_copy`); the migrations' own tests start from empty files instead."""
    path = tmp_path_factory.mktemp("migrated") / "briefbot.db"
    engine = make_engine(sqlite_url(path))
    try:
        upgrade(engine)
    finally:
        engine.dispose()  # the last connection gone, the file holds everything (no -wal)
    return path


def migrated_copy(template: Path, target: Path) -> str:
    """Copy the migrated template to `target`; its SQLite URL."""
    shutil.copyfile(template, target)
    return sqlite_url(target)


@pytest.fixture(scope="session")
def meaning_model() -> MeaningModel:
    """The packaged meaning model, loaded once a session: it is only ever read."""
    return load_model()
