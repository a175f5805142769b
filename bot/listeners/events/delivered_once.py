"""Each Events API event is handled once, however often Slack delivers it.

Slack delivers an event again, with the same `event_id`, when its acknowledgement was
late or lost (`X-Slack-Retry-Num` over HTTP, `retry_attempt` in a Socket Mode envelope),
up to three times over several minutes, and maybe to another replica. The event id is
claimed in the store before any listener runs (as "event:<id>", beside everything else
briefbot does once), so a retry finds it taken and is only acknowledged, even while the
first delivery is still being handled. While the store cannot be reached, an event whose
second handling changes nothing (opening the Home tab publishes the same tab again) is
handled anyway; any other fails as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import BoltContext, BoltResponse
from sqlalchemy.exc import SQLAlchemyError

from bot.listeners.context import deps
from bot.listeners.posted_once import once_key
from bot.services import Services

REPEATABLE = frozenset({"app_home_opened"})
"""Events handled twice to no harm: worth handling when the store cannot say if they were."""


def event_key(body: dict) -> str | None:
    """The store key of an Events API delivery, or None for anything else."""
    event_id = body.get("event_id") if body.get("type") == "event_callback" else None
    return once_key("event", event_id) if isinstance(event_id, str) and event_id else None


def once_per_event(
    body: dict, context: BoltContext, logger: logging.Logger, next: Callable[[], None]
) -> BoltResponse | None:
    key = event_key(body)
    services: Services = deps(context).services
    try:
        first = key is None or services.store.claim_once(key)
    except SQLAlchemyError as error:
        if (body.get("event") or {}).get("type") not in REPEATABLE:
            raise
        logger.warning("could not claim event %r, handling it anyway: %s", key, error)
        first = True
    if first:
        next()
        return None
    logger.info("event %r delivered again; it was handled the first time", body["event_id"])
    return BoltResponse(status=200, body="")
