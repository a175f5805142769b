"""Answering within Slack's 3 s: the first answer rides on the ack, later ones use response_url.

Slack counts its 3 s from the moment it sent a request, so briefbot counts from the
moment the request reached it, not from when a listener thread got round to it: under
a burst, or with every listener thread busy, a request can wait in a queue for most of
its time. Where that moment comes from:

- HTTP mode: `bot/slack_requests.py` stamps each request when the WSGI server hands it over (with
  waitress, right after its I/O thread has read it, as long as a worker thread is free;
  acks hold worker threads only for milliseconds, so one is). Slack's
  X-Slack-Request-Timestamp header is no use here: it is in whole seconds, and by the
  sender's clock.
- Socket Mode: `bot/socket_mode.py` stamps each envelope as the WebSocket delivers it,
  before it waits for a worker thread.
- Anything else (the console, tests calling `App.dispatch`): the moment the app starts
  dispatching it.

The stamp is `time.monotonic()` of this process, carried in the `RECEIVED_AT` header.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext, BoltRequest, Respond

from bot.slack.blocks import Message

log = logging.getLogger("briefbot.app")

RECEIVED_AT = "x-briefbot-received-at"
"""Header with the monotonic time the request reached this process (set by us, not Slack)."""

ACK_DEADLINE = 2.0
"""Seconds after arrival at which an unanswered request is acked empty: Slack allows 3,
and the ack still has to travel back."""


def ephemeral(message: Message) -> dict[str, Any]:
    """A private answer's payload; links in briefs never unfurl into big previews."""
    return {
        "response_type": "ephemeral",
        "unfurl_links": False,
        "unfurl_media": False,
        **message.payload(),
    }


def received_at(request: BoltRequest) -> float:
    """When the request reached this process (monotonic), or now if nobody stamped it."""
    try:
        stamp = float((request.headers.get(RECEIVED_AT) or [""])[0])
    except ValueError:
        return time.monotonic()
    # A stamp from the future can only be a mistake; never wait longer than the deadline.
    return min(stamp, time.monotonic())


class Deadlines:
    """One thread that runs each action at its due time (monotonic); cheap to schedule."""

    def __init__(self) -> None:
        self._due: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def at(self, due: float, action: Callable[[], None]) -> None:
        with self._changed:
            heapq.heappush(self._due, (due, next(self._order), action))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="briefbot-ack-deadlines", daemon=True
                )
                self._thread.start()
            self._changed.notify()

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._due:
                    self._changed.wait()
                wait = self._due[0][0] - time.monotonic()
                if wait > 0:
                    self._changed.wait(wait)
                    continue
                _, _, action = heapq.heappop(self._due)
            try:
                action()
            except Exception:  # an ack that cannot be sent must not stop the others
                log.exception("acknowledging at the deadline failed")


class Reply:
    """Send a command's answer the fastest way Slack allows, and always within Slack's 3 s.

    Putting the answer in the ack saves a round trip. If the answer is not ready by
    `ACK_DEADLINE` after the request arrived (a burst of commands, every listener
    thread busy), an empty ack goes out at that moment, whatever the listener is
    doing, and the answer follows through the response_url, so Slack never shows
    "dispatch_failed". Button clicks get the same guarantee for their (empty) ack.
    """

    def __init__(
        self,
        ack: Ack,
        respond: Respond | None,
        *,
        received: float | None = None,
        deadline: float = ACK_DEADLINE,
        deadlines: Deadlines | None = None,
        later: Callable[[Callable[[], object]], None] | None = None,
    ) -> None:
        """`later(send)` sends a late answer off the listener thread (default: at once)."""
        self._ack = ack
        self._respond = respond
        self._later = later or (lambda send: send())
        self._lock = threading.Lock()
        self.acked = False
        due = (time.monotonic() if received is None else received) + deadline
        if due <= time.monotonic():
            self.ack()  # it waited in a queue for all of its time already
        elif deadlines is not None:
            deadlines.at(due, self.ack)
        else:
            timer = threading.Timer(due - time.monotonic(), self.ack)
            timer.daemon = True
            timer.start()

    def ack(self) -> None:
        """Acknowledge now with nothing (if nothing was yet); any answer follows later."""
        with self._lock:
            if self.acked:
                return
            self.acked = True
            if getattr(self._ack, "response", None) is not None:
                return  # the listener acked by itself (a button)
        self._ack()

    def __call__(self, message: Message) -> None:
        with self._lock:
            first, self.acked = not self.acked, True
        if first:
            self._ack(**ephemeral(message))
            return
        respond = self._respond
        if respond is None:
            raise RuntimeError("a late answer needs a response_url, and this request had none")
        payload = ephemeral(message)
        self._later(lambda: respond(**payload, replace_original=False))


def answer_by_deadline(
    deadlines: Deadlines, later: Callable[[BoltContext, dict[str, Any]], Callable]
) -> Callable[..., None]:
    """Global middleware: give every request that waits for an ack its `Reply`, on a
    clock that started when the request arrived. Events need none: Bolt acks them at once."""

    def answer_by_deadline(
        request: BoltRequest, body: dict[str, Any], context: BoltContext, next: Callable[[], None]
    ) -> None:
        if body.get("type") != "event_callback" and context.get("ack") is not None:
            context["reply"] = Reply(
                context.ack,
                context.get("respond"),
                received=received_at(request),
                deadlines=deadlines,
                later=later(context, body),
            )
        next()

    return answer_by_deadline
