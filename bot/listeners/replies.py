"""Answering a slash command: the first answer rides on the ack, later ones use response_url."""

from __future__ import annotations

import threading
from typing import Any

from slack_bolt import Ack, Respond

from bot.slack.blocks import Message


def ephemeral(message: Message) -> dict[str, Any]:
    """A private answer's payload; links in briefs never unfurl into big previews."""
    return {
        "response_type": "ephemeral",
        "unfurl_links": False,
        "unfurl_media": False,
        **message.payload(),
    }


class Reply:
    """Send a command's answer the fastest way Slack allows, and always within Slack's 3 s.

    Putting the answer in the ack saves a round trip. If the answer is not ready
    within `ACK_DEADLINE` (a burst of commands, a slow disk), an empty ack goes out
    first and the answer follows through the response_url, so Slack never shows
    "dispatch_failed".
    """

    ACK_DEADLINE = 2.0

    def __init__(self, ack: Ack, respond: Respond, *, deadline: float | None = None) -> None:
        self._ack = ack
        self._respond = respond
        self._lock = threading.Lock()
        self.acked = False
        self._timer = threading.Timer(self.ACK_DEADLINE if deadline is None else deadline, self.ack)
        self._timer.daemon = True
        self._timer.start()

    def ack(self) -> None:
        """Acknowledge now with nothing; the answer will follow through the response_url."""
        with self._lock:
            if self.acked:
                return
            self.acked = True
        self._timer.cancel()
        self._ack()

    def __call__(self, message: Message) -> None:
        with self._lock:
            first, self.acked = not self.acked, True
        self._timer.cancel()
        if first:
            self._ack(**ephemeral(message))
        else:
            self._respond(**ephemeral(message), replace_original=False)
