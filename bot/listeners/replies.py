"""Answering a slash command: the first answer rides on the ack, later ones use response_url."""

from __future__ import annotations

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
    """Send a command's answer the fastest way Slack allows.

    Putting the answer in the ack saves a round trip; only when the ack is gone
    (slow work acked early) does it go through the response_url.
    """

    def __init__(self, ack: Ack, respond: Respond) -> None:
        self._ack = ack
        self._respond = respond
        self.acked = False

    def ack(self) -> None:
        if not self.acked:
            self.acked = True
            self._ack()

    def __call__(self, message: Message) -> None:
        if not self.acked:
            self.acked = True
            self._ack(**ephemeral(message))
        else:
            self._respond(**ephemeral(message), replace_original=False)
