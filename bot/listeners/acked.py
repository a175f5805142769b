"""The one way to answer after the ack: `acked_then` for a whole listener, `after_ack` for
a part of one.

A listener that talks to Slack acks at once and runs the rest on the follow-up threads
(bot/listeners/followups.py), so a slow Web API never holds a listener thread or the ack,
and a failure still reaches the person through the global error handler.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.listeners.context import Deps, deps
from bot.listeners.errors import handle_listener_error

log = logging.getLogger("briefbot.app")


@dataclass(frozen=True, slots=True)
class Acked:
    """A request that has had its ack: what the work after the ack needs of it."""

    body: dict[str, Any]
    payload: dict[str, Any]
    """The action, shortcut or event that was delivered."""
    context: BoltContext
    client: WebClient
    respond: Respond

    @property
    def deps(self) -> Deps:
        return deps(self.context)


def acked_then(work: Callable[[Acked], object]) -> Callable[..., None]:
    """A Bolt listener that acks at once, then runs `work` after the ack, off the listener
    threads; a failure reaches the person through the global error handler."""

    def listener(
        ack: Ack,
        body: dict[str, Any],
        payload: dict[str, Any],
        context: BoltContext,
        client: WebClient,
        respond: Respond,
    ) -> None:
        ack()
        acked = Acked(body, payload, context, client, respond)
        after_ack(context, body, lambda: work(acked))

    listener.__name__ = listener.__qualname__ = work.__name__.lstrip("_")
    listener.__doc__ = work.__doc__
    return listener


def after_ack(context: BoltContext, body: dict[str, Any], work: Callable[[], object]) -> None:
    """Do `work` after the ack, off the listener threads; a failure reaches the user
    through the global error handler, as if the listener itself had raised it."""

    def report(error: Exception) -> None:
        handle_listener_error(error, body, context, context.logger or log, None)

    deps(context).follow_ups.run(work, report)
