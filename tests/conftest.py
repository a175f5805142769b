"""Fixtures shared by every test: credentials and a local Slack per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakeslack import FakeSlack, ScriptedSlack

# `cli` (briefbot's entry point run in this process) is for every CLI test; loaded here so
# its module is assertion-rewritten before test modules import its helpers.
pytest_plugins = ("tests.support.cli",)

BOT_TOKEN = "xoxb-test-briefbot"
APP_TOKEN = "xapp-test-briefbot"
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
