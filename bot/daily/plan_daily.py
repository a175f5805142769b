"""Planning the daily brief (pure): which channels' posts are due now, which were missed.

A post missed by less than the catch-up window is due; older ones, back to the look
back, are recorded as skipped. A failed post is sent again, up to `MAX_ATTEMPTS`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from bot.daily.plan import LOOKBACK, MAX_ATTEMPTS, Due, Ledger, Plan, retry
from bot.schedule import ScheduleError, due_posts, post_instant, skipped_posts
from bot.store import DeliveryKey, Subscription

log = logging.getLogger("briefbot.daily")


def plan_daily(
    subscriptions: Iterable[Subscription],
    ledger: Ledger,
    now: dt.datetime,
    catch_up: dt.timedelta,
    *,
    only_date: dt.date | None = None,
    lookback: dt.timedelta = LOOKBACK,
    max_attempts: int = MAX_ATTEMPTS,
) -> Plan:
    """What to post now and what to record as skipped, for the active daily subscriptions.

    A subscription never posts for a time before it was created. With `only_date`, only
    that local date is considered and the catch-up window does not apply (someone asked
    for that date explicitly).
    """
    due: list[Due] = []
    skip: list[Due] = []
    for subscription in subscriptions:
        if subscription.paused:
            continue
        try:
            schedule = subscription.schedule
        except ScheduleError as error:
            log.error("subscription of %s is unusable: %s", subscription.channel_id, error)
            continue
        created = subscription.created_at
        if only_date is not None:
            at = post_instant(schedule, only_date)
            candidates = (
                [(only_date, at)] if schedule.posts_on(only_date) and created < at <= now else []
            )
            missed: list[tuple[dt.date, dt.datetime]] = []
        else:
            candidates = due_posts(schedule, now, catch_up, not_before=created)
            missed = skipped_posts(schedule, now, catch_up, since=max(created, now - lookback))
        for local_date, at in candidates:
            key = DeliveryKey.daily(subscription.channel_id, local_date)
            if key not in ledger:
                due.append(Due(key, local_date, at))
            elif retry(ledger[key], max_attempts):
                named = (ledger[key].brief_id,)
                due.append(Due(key, local_date, at, retry=True, brief_ids=named))
        for local_date, at in missed:
            key = DeliveryKey.daily(subscription.channel_id, local_date)
            if key not in ledger:
                skip.append(Due(key, local_date, at))
    return Plan.of(due, skip=skip)
