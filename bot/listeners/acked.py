"""The one way to answer after the ack: `acked_then` for a whole listener, `after_ack` for
a part of one; `acked_now` for a listener that must open a modal.

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

    @property
    def trigger_id(self) -> str:
        """What opening a modal needs; Slack honours it for 3 seconds after the click."""
        return str(self.body.get("trigger_id", ""))

    def later(self, work: Callable[[], object]) -> None:
        """Do `work` after the ack, off the listener threads (see `after_ack`)."""
        after_ack(self.context, self.body, work)


def acked_then(work: Callable[[Acked], object]) -> Callable[..., None]:
    """A Bolt listener that acks at once, then runs `work` after the ack, off the listener
    threads; a failure reaches the person through the global error handler."""
    return _acking_listener(work, lambda acked: acked.later(lambda: work(acked)))


def acked_now(work: Callable[[Acked], object]) -> Callable[..., None]:
    """A Bolt listener that acks at once, then runs `work` at once, on the listener thread.

    Only for work that opens a modal with `Acked.trigger_id`: the trigger id works for 3
    seconds, too short to wait for a follow-up thread. Whatever else it has to say to
    Slack goes through `Acked.later`. A failure reaches the person through the global
    error handler, as from any listener.
    """
    return _acking_listener(work, work)


def _acking_listener(
    work: Callable[[Acked], object], start: Callable[[Acked], object]
) -> Callable[..., None]:
    """The Bolt listener of `acked_then` and `acked_now`: ack, then hand the request to
    `start`. It takes `work`'s name and docstring, so Bolt's logs name the work."""

    # Bolt passes a listener's arguments by their names: these are the ones `Acked` keeps.
    def listener(
        ack: Ack,
        body: dict[str, Any],
        payload: dict[str, Any],
        context: BoltContext,
        client: WebClient,
        respond: Respond,
    ) -> None:
        ack()
        start(Acked(body, payload, context, client, respond))

    listener.__name__ = listener.__qualname__ = work.__name__.lstrip("_")
    listener.__doc__ = work.__doc__
    return listener


def after_ack(context: BoltContext, body: dict[str, Any], work: Callable[[], object]) -> None:
    """Do `work` after the ack, off the listener threads; a failure reaches the user
    through the global error handler, as if the listener itself had raised it."""

    def report(error: Exception) -> None:
        handle_listener_error(error, body, context, context.logger or log, None)

    deps(context).follow_ups.run(work, report)
