"""A console session: the production Bolt app, driven from a terminal through LocalSlack.

Nothing here is a second code path: commands and clicks become the signed requests
Slack would send, `App.dispatch` runs the same middleware and listeners as Socket
Mode and HTTP mode, and whatever the app sends back to "Slack" lands in LocalSlack,
which tells the session so it can print it.
"""

from __future__ import annotations

import json
import secrets
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.request import BoltRequest

from bot.app import build_app, build_services
from bot.config import Settings
from bot.console.render import Button, render_blocks
from bot.localslack import BOT_USER_ID, DEFAULT_BOT_TOKEN, LocalSlack, inbound
from bot.services import Services
from bot.store import sqlite_url


@dataclass(frozen=True)
class Shown:
    """A message on screen whose buttons can be pressed."""

    channel: str
    ts: str
    ephemeral: bool
    message: dict[str, Any]


class ConsoleSession:
    """One person in one channel of a local workspace, talking to the real app."""

    def __init__(
        self, content_dir: str | Path, *, user: str = "U0ALICE", channel: str = "C0GENERAL"
    ) -> None:
        self.user, self.channel = user, channel
        self.slack = LocalSlack().start()
        self._tmp = tempfile.TemporaryDirectory(prefix="briefbot-console-")
        self._secret = secrets.token_hex(16)
        settings = Settings(
            bot_token=DEFAULT_BOT_TOKEN,
            signing_secret=self._secret,
            api_url=self.slack.api_url,
            content_dir=Path(content_dir),
            admins=frozenset({user}),
            database_url=sqlite_url(Path(self._tmp.name) / "console.db"),
        )
        self.services: Services = build_services(settings)
        self.app: App = build_app(self.services)
        self._buttons: list[Button] = []
        self._targets: list[Shown] = []
        self._lines: list[str] = []
        self._lock = threading.Lock()
        self._last_change = time.monotonic()
        self.slack.add_listener(self._on_change)

    def close(self) -> None:
        self.slack.stop()
        self.services.store.engine.dispose()
        self._tmp.cleanup()

    # --- what the person does ---------------------------------------------

    def command(self, line: str) -> list[str]:
        """Run a slash command line like "/brief distillation"; return what appeared."""
        name, _, text = line.strip().partition(" ")
        response_url = self.slack.new_response_url(channel=self.channel, user=self.user)
        fields = inbound.slash_command(
            name, text, user_id=self.user, channel_id=self.channel, response_url=response_url
        )
        response = self._dispatch(inbound.form_body(fields), "application/x-www-form-urlencoded")
        if response.status == 404:
            return [f"{name} is not a briefbot command. Try /brief or /define."]
        if response.body:
            # Slack shows an ack's body as an ephemeral message: so does LocalSlack.
            self._post_json(response_url, json.loads(response.body))
        return self._settle()

    def press(self, number: int) -> list[str]:
        """Press button `number` as numbered on screen."""
        with self._lock:
            if not 1 <= number <= len(self._buttons):
                return [f"There is no button [{number}]."]
            button, shown = self._buttons[number - 1], self._targets[number - 1]
        if button.url:
            self._lines.append(f"(opens {button.url} in a browser)")
        action = {
            "action_id": button.action_id,
            "value": button.value,
            "block_id": button.block_id,
            "text": {"type": "plain_text", "text": button.label},
        }
        response_url = self.slack.new_response_url(
            channel=shown.channel, user=self.user, message_ts=shown.ts
        )
        payload = inbound.block_action(
            action,
            user_id=self.user,
            channel_id=shown.channel,
            response_url=response_url,
            message=shown.message,
            message_ts=shown.ts,
            ephemeral=shown.ephemeral,
        )
        self._dispatch(inbound.interactive_body(payload), "application/x-www-form-urlencoded")
        return self._settle()

    def mention(self, text: str) -> list[str]:
        """@briefbot in the thread of the latest brief the bot posted in this channel."""
        posts = [
            m
            for m in self.slack.messages(self.channel)
            if m.get("user") == BOT_USER_ID and not m.get("thread_ts")
        ]
        thread_ts = posts[-1]["ts"] if posts else None
        body = inbound.json_body(
            inbound.app_mention(text, channel=self.channel, user=self.user, thread_ts=thread_ts)
        )
        self._dispatch(body, "application/json")
        return self._settle()

    def open_home(self) -> list[str]:
        self._dispatch(inbound.json_body(inbound.app_home_opened(self.user)), "application/json")
        return self._settle()

    # --- plumbing -----------------------------------------------------------

    def _dispatch(self, body: str, content_type: str) -> BoltResponse:
        headers = {"content-type": content_type, **inbound.signed_headers(body, self._secret)}
        return self.app.dispatch(BoltRequest(body=body, headers=headers))

    @staticmethod
    def _post_json(url: str, payload: dict[str, Any]) -> None:
        request = urllib.request.Request(
            url,
            data=json.dumps(payload).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        urllib.request.urlopen(request, timeout=5).read()

    def _settle(self, quiet: float = 0.25, limit: float = 5.0) -> list[str]:
        """Wait until the app has stopped sending for a moment; return the new lines."""
        start = time.monotonic()
        while time.monotonic() - start < limit:
            with self._lock:
                idle = time.monotonic() - self._last_change
            if idle >= quiet and time.monotonic() - start >= quiet:
                break
            time.sleep(0.02)
        with self._lock:
            lines, self._lines = self._lines, []
        return lines

    def _on_change(self, kind: str, data: dict[str, Any]) -> None:
        with self._lock:
            self._last_change = time.monotonic()
            self._lines.extend(self._describe(kind, data))

    def _describe(self, kind: str, data: dict[str, Any]) -> list[str]:
        if kind == "response":
            return []
        if kind == "view":
            view = data.get("view", data)
            return self._render("App Home", view.get("blocks", []), "", None)
        if kind.endswith("_deleted"):
            return ["(a message was removed)"]
        ephemeral = kind.startswith("ephemeral")
        channel = data.get("channel", self.channel)
        where = f"#{self._channel_name(channel)}"
        if data.get("thread_ts") and data.get("thread_ts") != data.get("ts"):
            where += " › thread"
        who = "briefbot" if data.get("user") in (BOT_USER_ID, None) or ephemeral else data["user"]
        label = f"{who} in {where}"
        if ephemeral:
            label += " (only visible to you)"
        if kind.endswith("_changed"):
            label += " (updated)"
        indent = "    " if " › thread" in where else ""
        shown = Shown(channel, data.get("ts", ""), ephemeral, data)
        return self._render(label, data.get("blocks") or [], data.get("text", ""), shown, indent)

    def _render(
        self,
        label: str,
        blocks: list[dict[str, Any]],
        text: str,
        shown: Shown | None,
        indent: str = "",
    ) -> list[str]:
        # Buttons are numbered across the whole session, so an old number still works.
        before = len(self._buttons)
        lines = render_blocks(blocks, text, self._buttons, indent)
        target = shown or Shown(self.channel, "", True, {})
        self._targets.extend([target] * (len(self._buttons) - before))
        return ["", f"{indent}┌ {label}", *lines]

    def _channel_name(self, channel_id: str) -> str:
        channel = self.slack.workspace.channels.get(channel_id)
        return channel.name if channel else channel_id
