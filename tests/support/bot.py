"""The real bot wired to a local Slack, for listener tests that need no server process.

`bot` gives a `BotHarness`: the production `build_app` with its real store (SQLite in
tmp_path) and a copy of the shipped content, talking to the test's `local_slack` over
HTTP. Requests go through `App.dispatch` with Slack's signature, so middleware and
listeners run exactly as in Socket Mode and HTTP mode; `settle()` waits until the
listeners and the work after the ack are done and the local Slack is quiet. Use with
`pytest_plugins = ("tests.support.bot",)`.
"""

from __future__ import annotations

import json
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import App, BoltResponse
from slack_bolt.request import BoltRequest

from bot.app import LISTENER_THREADS, build_app, build_services
from bot.config import Settings
from bot.listeners.followups import FollowUps
from bot.localslack import DEFAULT_BOT_TOKEN
from bot.search.meaning import MeaningModel
from bot.services import Services
from tests.conftest import migrated_copy
from tests.fakeslack import ScriptedSlack, payloads

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_CONTENT = ROOT / "content"
ADMIN = "U0CAROL"


@dataclass
class Sent:
    """What one request got back from the app: the ack and the response URL it carried."""

    response: BoltResponse
    response_url: str

    @property
    def ack(self) -> dict[str, Any]:
        return json.loads(self.response.body) if self.response.body else {}

    @property
    def ack_text(self) -> str:
        """The ack's fallback text and every text in its blocks, as one string."""
        return self.ack.get("text", "") + json.dumps(self.ack.get("blocks", []), ensure_ascii=False)


@dataclass
class BotHarness:
    slack: ScriptedSlack
    services: Services
    app: App
    secret: str
    follow_ups: FollowUps
    """Counts the app's listener tasks and its work after the ack (`settle` waits for them)."""

    @classmethod
    def build(cls, slack: ScriptedSlack, services: Services, secret: str) -> BotHarness:
        """The production app on `services`, its listeners and work after the ack counted."""
        follow_ups = FollowUps()
        app = build_app(
            services,
            listener_executor=follow_ups.listener_pool(LISTENER_THREADS),
            follow_ups=follow_ups,
        )
        return cls(slack, services, app, secret, follow_ups)

    def settle(self, timeout: float = 10.0) -> None:
        """Return once the listeners and the work after the ack are done and the local
        Slack is quiet (`ScriptedSlack.settle`): then nothing more is on its way."""
        self.slack.settle(self.follow_ups.wait_idle, timeout=timeout)

    def close(self) -> None:
        """Let the work in flight finish, then close the database."""
        self.follow_ups.wait_idle(10)
        self.follow_ups.shutdown()
        self.services.store.engine.dispose()

    def dispatch(self, body: str, content_type: str, *, signed: bool = True) -> BoltResponse:
        headers = {"content-type": content_type}
        if signed:
            headers.update(payloads.signed_headers(body, self.secret))
        return self.app.dispatch(BoltRequest(body=body, headers=headers))

    def command(
        self,
        command: str,
        text: str = "",
        *,
        user: str = "U0ALICE",
        channel: str = "C0GENERAL",
        formatted: bool = False,
    ) -> Sent:
        """Send `text` as typed (Slack escapes it), or as it is with `formatted=True`."""
        url = self.slack.new_response_url(channel=channel, user=user)
        fields = payloads.slash_command(
            command, text, user_id=user, channel_id=channel, response_url=url, formatted=formatted
        )
        return Sent(
            self.dispatch(payloads.form_body(fields), "application/x-www-form-urlencoded"), url
        )

    def click(
        self,
        action_id: str,
        value: str,
        *,
        user: str = "U0ALICE",
        channel: str = "C0GENERAL",
        message: dict[str, Any] | None = None,
        ephemeral: bool = False,
    ) -> Sent:
        ts = (message or {}).get("ts", "")
        url = self.slack.new_response_url(channel=channel, user=user, message_ts=ts or None)
        payload = payloads.block_action(
            action_id,
            value,
            user_id=user,
            channel_id=channel,
            response_url=url,
            message=message,
            message_ts=ts,
            container_type="ephemeral" if ephemeral else "message",
            trigger_id=self.slack.issue_trigger(user),
        )
        body = payloads.interactive_body(payload)
        return Sent(self.dispatch(body, "application/x-www-form-urlencoded"), url)

    def submit(self, view_id: str, values: dict[str, str] | None = None) -> dict[str, Any]:
        """Submit the open modal `view_id` with `values` typed (by field; the rest as
        prefilled), as its person; the local Slack applies the app's answer as Slack
        does. Returns the answer (`{}` when the app closed the modal)."""
        payload = self.slack.submission(view_id, values or {})
        response = self.dispatch(
            payloads.interactive_body(payload), "application/x-www-form-urlencoded"
        )
        assert response.status == 200, response.body
        answer: dict[str, Any] = json.loads(response.body) if response.body else {}
        self.slack.submitted(view_id, answer)
        return answer

    def shortcut(
        self,
        callback_id: str,
        *,
        message: dict[str, Any] | None = None,
        text: str = "",
        formatted: bool = False,
        user: str = "U0ALICE",
        channel: str = "C0GENERAL",
    ) -> Sent:
        """A message shortcut on `message` (one the local Slack holds), or on a message
        Bob wrote with `text` (escaped as Slack escapes it, unless `formatted`)."""
        # A shortcut's response URL answers with new messages; it replaces nothing.
        url = self.slack.new_response_url(channel=channel, user=user)
        payload = payloads.message_action(
            callback_id,
            message=message,
            text=text,
            formatted=formatted,
            user_id=user,
            channel_id=channel,
            response_url=url,
        )
        body = payloads.interactive_body(payload)
        return Sent(self.dispatch(body, "application/x-www-form-urlencoded"), url)

    def event(self, envelope: dict[str, Any]) -> BoltResponse:
        return self.dispatch(payloads.json_body(envelope), "application/json")

    def responses_to(self, sent: Sent, count: int = 1, timeout: float = 5) -> list[dict]:
        """Wait for `count` posts to the request's response URL; return them."""
        return self.slack.wait_for(
            lambda: (
                (found := [r for r in self.slack.responses if r["url"] == sent.response_url])
                and len(found) >= count
                and found
            ),
            timeout=timeout,
        )


def make_harness(
    slack: ScriptedSlack,
    content: Path,
    database_url: str,
    *,
    model: MeaningModel | None = None,
    **settings: Any,
) -> BotHarness:
    """The real app on `slack`, the content in `content` and the database at
    `database_url`, with `settings` on top of the tests' own (`model`: see
    `build_services`)."""
    secret = secrets.token_hex(16)
    config = Settings(
        bot_token=DEFAULT_BOT_TOKEN,
        signing_secret=secret,
        api_url=slack.api_url,
        content_dir=content,
        admins=frozenset({ADMIN}),
        database_url=database_url,
        **settings,
    )
    return BotHarness.build(slack, build_services(config, model=model), secret)


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A copy of the shipped content that a test may edit."""
    target = tmp_path / "content"
    shutil.copytree(SHIPPED_CONTENT, target)
    return target


@pytest.fixture
def bot(
    tmp_path: Path,
    content_dir: Path,
    local_slack: ScriptedSlack,
    migrated_sqlite: Path,
    meaning_model: MeaningModel,
) -> Iterator[BotHarness]:
    """The real app on the local Slack and a copy of the migrated SQLite database."""
    database = migrated_copy(migrated_sqlite, tmp_path / "bot.db")
    harness = make_harness(local_slack, content_dir, database, model=meaning_model)
    yield harness
    harness.close()
