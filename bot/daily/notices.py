"""Telling people when a daily post needs them: the channel's subscriber and the admins.

A sweep collects what went wrong, then sends one direct message per person (the bot
posts to the user id, which lands in the app's Messages tab), paced like every other
message so that many problems at once never flood anyone.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.daily.pacing import Pacer, retry_after_of
from bot.slack import blocks
from bot.store import Subscription

log = logging.getLogger("briefbot.daily")

MAX_SEND_TRIES = 3
MAX_LINES = 40

# Slack's error -> (what happened, how to fix it), in words for the people affected.
WHY: dict[str, tuple[str, str]] = {
    "not_in_channel": ("I'm not a member of it", "Invite me with `/invite @briefbot` there"),
    "channel_not_found": (
        "it no longer exists, or it is private and I'm not in it",
        "If it is private, invite me with `/invite @briefbot` there",
    ),
    "is_archived": ("it is archived", "Unarchive it"),
    "restricted_action": (
        "this workspace doesn't let apps post there",
        "Ask a workspace admin to allow it",
    ),
}


def explain(error: str) -> tuple[str, str]:
    return WHY.get(error, (f"Slack answered `{error}`", "Check the channel and my access to it"))


@dataclass
class Notices:
    """Lines to send, by Slack user id; thread-safe, so sweep tasks add to it directly."""

    admins: frozenset[str]
    lines: dict[str, list[str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _add(self, users: Iterable[str], line: str) -> None:
        with self._lock:
            for user in dict.fromkeys(users):
                self.lines.setdefault(user, []).append(line)

    def channel_paused(self, subscription: Subscription, error: str) -> None:
        what, fix = explain(error)
        channel = f"<#{subscription.channel_id}>"
        if subscription.declared:
            resume = "then type `/brief subscribe` in it to resume the schedule in schedule.yml"
        else:
            resume = "then type `/brief subscribe` in it to start again"
        if subscription.created_by:
            self._add(
                [subscription.created_by],
                f"I couldn't post the daily brief you set up in {channel}: {what}. "
                f"I've paused it. {fix}, {resume}.",
            )
        who = f", subscribed by <@{subscription.created_by}>" if subscription.created_by else ""
        self._add(self.admins, f"{channel}{who}: paused, {what} (`{error}`). {fix}, {resume}.")

    def unknown(self, channel_id: str, local_date: dt.date, error: str) -> None:
        self._add(
            self.admins,
            f"<#{channel_id}>: the daily brief for {local_date.isoformat()} may or may not "
            f"have been posted ({error}). I won't post it again; please check the channel.",
        )

    def messages(self) -> dict[str, blocks.Message]:
        out = {}
        for user, lines in self.lines.items():
            shown = lines[:MAX_LINES]
            if len(lines) > MAX_LINES:
                shown.append(f"…and {len(lines) - MAX_LINES} more; see the bot's log.")
            text = "*Daily briefs need attention*\n" + "\n".join(f"• {line}" for line in shown)
            out[user] = blocks.markdown_notice(text, "Daily briefs need attention")
        return out


def send_notices(
    client: WebClient, pacer: Pacer, notices: Notices, stop: threading.Event | None = None
) -> int:
    """Send each person their message; return how many were delivered. Failures are logged."""
    delivered = 0
    for user, message in notices.messages().items():
        for _ in range(MAX_SEND_TRIES):
            if not pacer.wait(user, stop):
                return delivered
            try:
                client.chat_postMessage(channel=user, **message.payload())
            except SlackApiError as error:
                pacer.sent(user, time.monotonic())
                if error.response.status_code == 429:
                    pacer.hold(user, time.monotonic() + retry_after_of(error.response.headers))
                    continue
                log.warning("could not tell %s about daily posts: %s", user, error)
            except Exception as error:
                # A timeout may still have delivered it; a duplicate notice is worse than none.
                log.warning("could not tell %s about daily posts: %s", user, error)
            else:
                pacer.sent(user, time.monotonic())
                delivered += 1
            break
    return delivered
