"""`user_change`: someone's profile changed. A person who gets briefs in their DMs gets
them in their new time zone; one whose account was deactivated is unsubscribed.

Slack sends it for everyone in the workspace; only people briefbot knows (in the team
of the event's envelope, whatever ids the event carries) are looked at.
"""

from __future__ import annotations

import logging

from slack_bolt import BoltContext

from bot.listeners.context import deps
from bot.schedule import canonical_zone

log = logging.getLogger("briefbot.daily")


def user_changed(event: dict, context: BoltContext) -> None:
    user = event.get("user") or {}
    user_id = str(user.get("id") or "")
    store = deps(context).store
    if not user_id or store.person(user_id) is None:
        return
    if user.get("deleted"):
        store.forget_person(user_id, "their account was deactivated")
        log.info("%s left the workspace: their DM briefs ended", user_id)
        return
    zone = user.get("tz")
    found = canonical_zone(zone) if isinstance(zone, str) else None
    if found is not None and store.move_person_zone(user_id, found):
        log.info("%s's DM briefs follow their new time zone, %s", user_id, found)
