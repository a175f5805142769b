"""A console session: the production Bolt app, driven from a terminal through LocalSlack.

Nothing here is a second code path: commands and clicks become the signed requests
Slack would send, `App.dispatch` runs the same middleware and listeners as Socket
Mode and HTTP mode, and whatever the app sends back to "Slack" lands in LocalSlack,
which tells the session so it can print it. The session also runs the background
jobs of `briefbot run` (hot reload, the daily clock), so what they post shows up too.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.request import BoltRequest

from bot.app import build_app, build_services
from bot.basics import whole_number
from bot.config import Settings
from bot.console.render import Button, Names, render_blocks
from bot.listeners.commands import COMMANDS
from bot.listeners.followups import FollowUps
from bot.localslack import BOT_USER_ID, DEFAULT_BOT_TOKEN, LocalSlack, inbound
from bot.runtime import background_jobs
from bot.services import Services, utc_now
from bot.slack.explain_blocks import EXPLAIN_TERMS
from bot.slack.feedback import VOTE_DOWN, VOTE_UP
from bot.store import sqlite_url

Announce = Callable[[list[str]], None]


@dataclass
class Form:
    """A modal open in the console, asked as prompts: one input field after another."""

    view_id: str
    title: str
    fields: list[tuple[str, str, str, bool]]
    """Each input: its block id, label, the value shown (prefilled or typed) and whether
    it may be left empty."""
    answers: dict[str, str] = field(default_factory=dict)
    at: int = 0
    asking: list[int] = field(default_factory=list)
    """The fields still to ask, in order (all of them, then those with errors)."""

    def prompt(self) -> str:
        block_id, label, shown, optional = self.fields[self.asking[self.at]]
        value = self.answers.get(block_id, shown)
        short = value if len(value) <= 60 else value[:59].rstrip() + "…"
        keep = f" [Enter keeps “{short}”]" if value else (" (optional)" if optional else "")
        return f"  {label}{keep}:"


@dataclass(frozen=True)
class Shown:
    """A message (or the App Home view) on screen whose buttons can be pressed."""

    channel: str
    ts: str
    ephemeral: bool
    message: dict[str, Any]
    view: dict[str, Any] | None = None


class ConsoleSession:
    """One person in one channel of a local workspace, talking to the real app.

    What the app sends while the person is doing something is returned by that call;
    what arrives in between (a daily post, a reload report) goes to `announce`, or, if
    there is none, comes with the next call's lines.
    """

    def __init__(
        self,
        content_dir: str | Path,
        *,
        user: str = "U0ALICE",
        channel: str = "C0GENERAL",
        now: Callable[[], dt.datetime] = utc_now,
        announce: Announce | None = None,
    ) -> None:
        self.user, self.channel = user, channel
        self.announce = announce
        self._now = now
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
        try:
            self.services: Services = build_services(settings, now=now)
        except BaseException:
            self.slack.stop()
            self._tmp.cleanup()
            raise
        self._follow_ups = FollowUps()
        self.app: App = build_app(self.services, follow_ups=self._follow_ups)
        self._buttons: list[Button] = []
        self._targets: list[Shown] = []
        self._messages: list[Shown] = []
        """Messages on screen that shortcuts work on (not private answers): m1, m2, …"""
        self._lines: list[str] = []
        self.form: Form | None = None
        """The modal being filled in, if one is open (see `answer`)."""
        self._lock = threading.Lock()
        self._busy = 0
        self._last_change = time.monotonic()
        self.slack.add_listener(self._on_change)
        self.jobs: list[Callable[[], None]] = []
        """The running background jobs of `briefbot run`, each its own stopper."""
        for start_job in background_jobs():
            self.jobs.append(start_job(self.services, self.app.client))

    def close(self) -> None:
        """Stop the background jobs, then the local Slack; forget the session's data."""
        for stop in reversed(self.jobs):
            stop()
        self.jobs.clear()
        self._follow_ups.shutdown()
        self.slack.stop()
        self.services.store.engine.dispose()
        self._tmp.cleanup()

    # --- what the person does ---------------------------------------------

    def command(self, line: str, *, channel: str | None = None) -> list[str]:
        """Run a slash command line like "/brief distillation" (in the person's channel,
        or `channel`); return what appeared."""
        channel = channel or self.channel
        name, _, text = line.strip().partition(" ")
        if name not in COMMANDS:
            # Slack itself answers commands no app in the workspace has; briefbot never sees them.
            known = " and ".join(sorted(COMMANDS))
            return [f"{name} is not a command here. briefbot knows {known}; type help for more."]
        with self._turn():
            response_url = self.slack.new_response_url(channel=channel, user=self.user)
            fields = inbound.slash_command(
                name, text, user_id=self.user, channel_id=channel, response_url=response_url
            )
            body = inbound.form_body(fields)
            response = self._dispatch(body, "application/x-www-form-urlencoded")
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
        action = {
            "action_id": button.action_id,
            "value": button.value,
            "block_id": button.block_id,
            "text": {"type": "plain_text", "text": button.label},
            # Slack stamps each click with its own clock; the console's Slack keeps the
            # session's time, so a test's clock decides what a quick second press is.
            "action_ts": f"{self._now().timestamp():.6f}",
        }
        with self._turn():
            if button.url:
                with self._lock:
                    self._lines.append(f"(opens {button.url} in a browser)")
            trigger = self.slack.issue_trigger(self.user)
            if shown.view is not None:
                # A click in the App Home tab: Slack sends the view, no channel, no response URL.
                payload = inbound.block_action(
                    action, user_id=self.user, view=shown.view, trigger_id=trigger
                )
            else:
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
                    trigger_id=trigger,
                )
            body = inbound.interactive_body(payload)
            self._dispatch(body, "application/x-www-form-urlencoded")
            return self._settle()

    def answer(self, line: str) -> list[str]:
        """The person's answer to the open form's prompt: a value, Enter to keep what is
        shown, `-` to empty it, `cancel` to close the form. After the last field the form
        is sent, as Slack sends a modal's submission."""
        with self._lock:
            form = self.form
        if form is None:
            return ["No form is open."]
        typed = line.strip()
        if typed.lower() == "cancel":
            with self._lock:
                self.form = None
            self.slack.submitted(form.view_id, {})
            return ["(form closed; nothing was sent)"]
        block_id, _, shown, _ = form.fields[form.asking[form.at]]
        if typed == "-":
            form.answers[block_id] = ""
        elif typed:
            form.answers[block_id] = line.rstrip("\n")
        else:
            form.answers.setdefault(block_id, shown)
        form.at += 1
        if form.at < len(form.asking):
            return [form.prompt()]
        return self._send_form(form)

    def _send_form(self, form: Form) -> list[str]:
        with self._turn():
            with self._lock:
                self.form = None
            payload = self.slack.submission(form.view_id, form.answers)
            response = self._dispatch(
                inbound.interactive_body(payload), "application/x-www-form-urlencoded"
            )
            answer = json.loads(response.body) if response.body else {}
            errors = answer.get("errors") if answer.get("response_action") == "errors" else None
            if errors:
                labels = {f[0]: f[1] for f in form.fields}
                lines = [f"  ✗ {labels.get(k, k)}: {v}" for k, v in errors.items()]
                form.asking = [i for i, f in enumerate(form.fields) if f[0] in errors]
                form.at = 0
                with self._lock:
                    self.form = form
                self.slack.submitted(form.view_id, answer)
                return [
                    "(the form has problems: change these and it is sent again)",
                    *lines,
                    form.prompt(),
                ]
            self.slack.submitted(form.view_id, answer)
            return self._settle()

    def mention(self, text: str) -> list[str]:
        """@briefbot in the thread of the latest brief the bot posted in this channel.

        As in Slack, the mention is the person's reply in that thread, and the event
        carries the thread's `thread_ts` (the parent's ts) and the reply's own `ts`.
        """
        posts = [
            m
            for m in self.slack.messages(self.channel)
            if m.get("user") == BOT_USER_ID and m.get("thread_ts") in (None, m["ts"])
        ]
        thread_ts = posts[-1]["ts"] if posts else None
        with self._turn():
            event = inbound.app_mention_event(
                text, channel=self.channel, user=self.user, thread_ts=thread_ts
            )
            said = self.slack.post_as(self.user, self.channel, event["text"], thread_ts=thread_ts)
            event["ts"] = event["event_ts"] = said["ts"]
            self._dispatch(inbound.json_body(inbound.event_callback(event)), "application/json")
            return self._settle()

    def say(self, text: str) -> list[str]:
        """Write `text` in the channel as the person, as the Slack client sends it: the
        text escaped, and beside it the same as rich text."""
        with self._turn():
            said = self.slack.post_as(
                self.user,
                self.channel,
                inbound.as_slack_sends(text),
                blocks=[inbound.rich_text(text)],
            )
            with self._lock:
                self._messages.append(Shown(self.channel, said["ts"], False, said))
                number = len(self._messages)
                self._lines.append(f"(your message is m{number}: `explain m{number}` explains it)")
            return self._settle()

    def explain(self, ref: str = "") -> list[str]:
        """Explain terms on message `ref` ("m3" or "3"), or on the latest message shown."""
        with self._lock:
            messages = list(self._messages)
        if not messages:
            return ["No message to explain yet: `say` something, or share a brief first."]
        digits = ref.strip().lower().removeprefix("m")
        if not digits:
            shown = messages[-1]
        elif (number := whole_number(digits, 1, len(messages))) is not None:
            shown = messages[number - 1]
        else:
            return [
                f"There is no message {ref.strip()}; messages are numbered m1 to m{len(messages)}."
            ]
        with self._turn():
            response_url = self.slack.new_response_url(channel=shown.channel, user=self.user)
            payload = inbound.message_action(
                EXPLAIN_TERMS,
                message=shown.message,
                user_id=self.user,
                channel_id=shown.channel,
                response_url=response_url,
            )
            self._dispatch(inbound.interactive_body(payload), "application/x-www-form-urlencoded")
            return self._settle()

    def vote(self, helpful: bool, ref: str = "") -> list[str]:
        """Press 👍 (`helpful`) or 👎 on message `ref` ("m3" or "3"), or, without one, on
        the latest answer or post shown that has them: the same press as its button's
        number, so it counts, changes or withdraws the vote as a click in Slack does."""
        wanted = VOTE_UP if helpful else VOTE_DOWN
        with self._lock:
            messages = list(self._messages)
            pressable = [
                (number, shown)
                for number, (button, shown) in enumerate(
                    zip(self._buttons, self._targets, strict=True), start=1
                )
                if button.action_id.partition(":")[0] == wanted
            ]
        digits = ref.strip().lower().removeprefix("m")
        if digits:
            number = whole_number(digits, 1, max(len(messages), 1))
            if number is None or not messages:
                return [
                    f"There is no message {ref.strip()}; messages are numbered m1 to "
                    f"m{len(messages)}."
                ]
            target = messages[number - 1]
            pressable = [(n, shown) for n, shown in pressable if shown is target]
            if not pressable:
                return [f"Message m{number} has no 👍 / 👎: only briefs and definitions do."]
        if not pressable:
            return ["Nothing to vote on yet: `/brief` or `/define` something first."]
        return self.press(pressable[-1][0])

    def dm(self, line: str = "") -> list[str]:
        """`dm /brief subscribe daily 09:00`: a command typed in the person's DM with
        briefbot (their own briefs); `dm` alone: that DM as it stands."""
        dm = self.slack.open_dm(self.user)
        if line.strip():
            return self.command(line, channel=dm)
        messages = [m for m in self.slack.messages(dm) if m.get("user") != self.user]
        if not messages:
            return ["(your DM with briefbot is empty: `dm /brief subscribe` starts your briefs)"]
        lines: list[str] = []
        with self._lock:
            for message in messages:
                shown = Shown(dm, message.get("ts", ""), False, message)
                blocks = message.get("blocks") or []
                lines += self._render(
                    "direct message from briefbot", blocks, message.get("text", ""), shown
                )
        return lines

    def open_home(self) -> list[str]:
        with self._turn():
            body = inbound.json_body(inbound.app_home_opened(self.user))
            self._dispatch(body, "application/json")
            return self._settle()

    # --- plumbing -----------------------------------------------------------

    @contextmanager
    def _turn(self) -> Iterator[None]:
        """While the person waits for an answer, what appears is theirs to see in it."""
        with self._lock:
            self._busy += 1
        try:
            yield
        finally:
            with self._lock:
                self._busy -= 1

    def _dispatch(self, body: str, content_type: str) -> BoltResponse:
        headers: dict[str, str | Sequence[str]] = {
            "content-type": content_type,
            **inbound.signed_headers(body, self._secret),
        }
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
        """Wait until the app has finished what it handed off after the ack and stopped
        sending for a moment; return the new lines."""
        start = time.monotonic()
        self._follow_ups.wait_idle(timeout=limit)
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
            lines = self._describe(kind, data)
            if self._busy or self.announce is None or not lines:
                self._lines.extend(lines)
                return
            lines, self._lines = self._lines + lines, []
        self.announce(lines)

    def _names(self) -> Names:
        workspace = self.slack.workspace
        return Names(
            users={u.id: u.name for u in list(workspace.users.values())},
            channels={c.id: c.name for c in list(workspace.channels.values()) if not c.is_im},
        )

    def _describe(self, kind: str, data: dict[str, Any]) -> list[str]:
        if kind == "response":
            return []
        if kind == "modal":
            return self._describe_modal(data)
        if kind == "view":
            if data.get("user") != self.user:
                return []
            view = data.get("view", data)
            shown = Shown("", "", True, {}, view=view)
            return self._render("App Home", view.get("blocks", []), "", shown)
        channel_id = data.get("channel", self.channel)
        channel = self.slack.workspace.channels.get(channel_id)
        direct = channel is not None and channel.is_im
        ephemeral = kind.startswith("ephemeral")
        if (direct and channel is not None and channel.user != self.user) or (
            ephemeral and data.get("user") != self.user
        ):
            return []  # someone else's direct message or private answer: not on this screen
        if data.get("user") == self.user and kind == "message":
            return []  # what the person just typed
        if kind.endswith("_deleted"):
            return ["(a message was removed)"]
        names = self._names()
        threaded = bool(data.get("thread_ts")) and data.get("thread_ts") != data.get("ts")
        sender = data.get("user")
        who = "briefbot" if sender in (BOT_USER_ID, None) or ephemeral else names.users.get(sender)
        if direct:
            label = f"direct message from {who}"
        else:
            label = f"{who or sender} in #{names.channels.get(channel_id, channel_id)}"
        if threaded:
            label += " › thread"
        if ephemeral:
            label += " (only visible to you)"
        if kind.endswith("_changed"):
            label += " (updated)"
        indent = "    " if threaded else ""
        shown = Shown(channel_id, data.get("ts", ""), ephemeral, data)
        if not ephemeral:
            # Slack offers message shortcuts on every message but private answers.
            self._messages.append(shown)
            label += f" · m{len(self._messages)}"
        blocks = data.get("blocks") or []
        return self._render(label, blocks, data.get("text", ""), shown, indent, names)

    def _describe_modal(self, data: dict[str, Any]) -> list[str]:
        """A modal opened (or replaced) for the person: its text, and its inputs as a form."""
        if data.get("user") != self.user:
            return []
        if "view" in data:
            view = data["view"]
        elif data.get("outcome") == "updated":
            view = self.slack.modal(str(data.get("id", "")))
        else:
            return []
        title = str((view.get("title") or {}).get("text", "form"))
        blocks = view.get("blocks") or []
        inputs = [
            (
                str(b.get("block_id", "")),
                str((b.get("label") or {}).get("text", "")),
                str((b.get("element") or {}).get("initial_value", "")),
                bool(b.get("optional")),
            )
            for b in blocks
            if b.get("type") == "input"
        ]
        shown = [b for b in blocks if b.get("type") != "input"]
        lines = ["", f"┌ {title} (a form)", *render_blocks(shown, "", [], "", self._names())]
        if not inputs:
            return lines
        form = Form(str(view.get("id", "")), title, inputs, asking=list(range(len(inputs))))
        self.form = form
        return [
            *lines,
            "  Fill it in (Enter keeps what is shown, - empties it, cancel closes):",
            form.prompt(),
        ]

    def _render(
        self,
        label: str,
        blocks: list[dict[str, Any]],
        text: str,
        shown: Shown,
        indent: str = "",
        names: Names | None = None,
    ) -> list[str]:
        # Buttons are numbered across the whole session, so an old number still works.
        before = len(self._buttons)
        lines = render_blocks(blocks, text, self._buttons, indent, names or self._names())
        self._targets.extend([shown] * (len(self._buttons) - before))
        return ["", f"{indent}┌ {label}", *lines]
