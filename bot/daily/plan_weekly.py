"""Planning weekly digests (pure).

A weekly digest lists the briefs that became new in the seven days before its post
time, once per channel and ISO week; a week without any posts nothing.
"""

from __future__ import annotations

import datetime as dt

from bot.daily.plan import MAX_ATTEMPTS, Due, Ledger, Plan, Published, Wanted, new_since, retries
from bot.model import Brief
from bot.schedule import SubscriptionSpec, due_posts, skipped_posts
from bot.store import DeliveryKey, DeliveryKind

WEEK = dt.timedelta(days=7)
"""What a weekly digest covers."""


def plan_weekly(
    subscriptions: Wanted,
    published: Published,
    ledger: Ledger,
    now: dt.datetime,
    catch_up: dt.timedelta,
    *,
    max_attempts: int = MAX_ATTEMPTS,
) -> Plan:
    """The digests the active weekly subscriptions post now, and those missed by more
    than `catch_up`, to record as skipped."""
    due: list[Due] = []
    skip: list[Due] = []
    for subscription, spec in subscriptions:
        channel, schedule = subscription.channel_id, spec.schedule
        created = subscription.created_at
        for local_date, at in due_posts(schedule, now, catch_up, not_before=created):
            key = DeliveryKey.weekly(channel, local_date)
            ids = () if key in ledger else week_briefs(spec, published, at)
            if ids:  # a week without new briefs posts nothing
                due.append(Due(key, local_date, at, brief_ids=ids, items=len(ids)))
        since = max(created, now - WEEK)
        for local_date, at in skipped_posts(schedule, now, catch_up, since=since):
            key = DeliveryKey.weekly(channel, local_date)
            if key not in ledger:
                skip.append(Due(key, local_date, at))
    channels = {subscription.channel_id for subscription, _ in subscriptions}
    due += retries(ledger, (DeliveryKind.WEEKLY,), channels, now, max_attempts)
    return Plan.of(due, skip=skip)


def week_briefs(spec: SubscriptionSpec, published: Published, at: dt.datetime) -> tuple[str, ...]:
    """The briefs that became new in the week before `at`, newest first, that `spec` carries."""
    zone = spec.schedule.zone
    found: list[tuple[dt.datetime, Brief]] = []
    for brief in published.briefs:
        seen = published.first_seen.get(brief.id)
        if seen is None or not spec.carries(brief.tags):
            continue
        since = new_since(brief, seen, zone)
        if at - WEEK < since <= at:
            found.append((since, brief))
    found.sort(key=lambda item: (item[1].date, item[0], item[1].id), reverse=True)
    return tuple(brief.id for _, brief in found)
