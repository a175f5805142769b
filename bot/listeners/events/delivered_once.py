"""Each Events API event is handled once, however often Slack delivers it.

Slack delivers an event again, with the same `event_id`, when its acknowledgement was
late or lost (`X-Slack-Retry-Num` over HTTP, `retry_attempt` in a Socket Mode envelope),
up to three times over several minutes, and maybe to another replica. The event id is
claimed in the store before any listener runs (as "event:<id>", beside everything else
briefbot does once), so a retry finds it taken and is only acknowledged, even while the
first delivery is still being handled.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import BoltContext, BoltResponse

from bot.listeners.posted_once import once_key
from bot.services import Services


def event_key(body: dict) -> str | None:
    """The store key of an Events API delivery, or None for anything else."""
    event_id = body.get("event_id") if body.get("type") == "event_callback" else None
    return once_key("event", event_id) if isinstance(event_id, str) and event_id else None


def once_per_event(
    body: dict, context: BoltContext, logger: logging.Logger, next: Callable[[], None]
) -> BoltResponse | None:
    key = event_key(body)
    services: Services = context["services"]
    if key is None or services.store.claim_once(key):
        next()
        return None
    logger.info("event %r delivered again; it was handled the first time", body["event_id"])
    return BoltResponse(status=200, body="")
