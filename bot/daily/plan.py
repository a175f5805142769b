"""Planning a sweep (pure): which posts are due now, which were missed for good.

Nothing here reads the clock, the store or Slack: the sweep passes in the
subscriptions, the ledger rows and the time, and gets back what to do.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.schedule import (
    Kind,
    ScheduleError,
    SubscriptionSpec,
    due_posts,
    post_instant,
    skipped_posts,
)
from bot.store import Delivery, DeliveryKind, DeliveryState, Subscription

log = logging.getLogger("briefbot.daily")

LOOKBACK = dt.timedelta(days=7)
"""How far back missed posts are recorded as skipped after a long downtime."""
MAX_ATTEMPTS = 3
"""Sends of one post before a failure is left for people to look at."""


@dataclass(frozen=True, slots=True)
class Due:
    """One channel's post for one local date, and when it was (or is) due, in UTC.

    A daily post by default; `kind` and `slot` name other kinds' ledger rows (a weekly
    digest's ISO week, a new brief's id, the flood guard's line for the local date).
    """

    channel_id: str
    local_date: dt.date
    at: dt.datetime
    retry: bool = False
    """A failed earlier attempt to send again (the ledger row exists)."""
    kind: DeliveryKind = DeliveryKind.DAILY
    slot: str | None = None
    brief_ids: tuple[str, ...] = ()
    """The briefs a new-brief post or a weekly digest carries."""
    items: int | None = None
    """How many briefs a weekly digest or the flood guard's line stands for."""

    @property
    def key(self) -> dict[str, Any]:
        """The ledger key arguments of this post (`kind=`, `slot=`)."""
        return {"kind": self.kind, "slot": self.slot or self.local_date.isoformat()}


@dataclass(frozen=True, slots=True)
class Plan:
    due: tuple[Due, ...] = ()
    skip: tuple[Due, ...] = ()


def plan_sweep(
    subscriptions: Iterable[Subscription],
    ledger: Mapping[tuple[str, dt.date], Delivery],
    now: dt.datetime,
    catch_up: dt.timedelta,
    *,
    only_date: dt.date | None = None,
    lookback: dt.timedelta = LOOKBACK,
    max_attempts: int = MAX_ATTEMPTS,
) -> Plan:
    """What to post now and what to record as skipped, for the active subscriptions.

    Posts missed by less than `catch_up` are due; older ones (back to `lookback`)
    are skipped. A subscription never posts for a time before it was created.
    With `only_date`, only that local date is considered and the catch-up window
    does not apply (someone asked for that date explicitly).
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
            row = ledger.get((subscription.channel_id, local_date))
            if row is None:
                due.append(Due(subscription.channel_id, local_date, at))
            elif row.state == DeliveryState.FAILED and row.attempts < max_attempts:
                due.append(Due(subscription.channel_id, local_date, at, retry=True))
        for local_date, at in missed:
            if (subscription.channel_id, local_date) not in ledger:
                skip.append(Due(subscription.channel_id, local_date, at))
    due.sort(key=lambda d: (d.at, d.channel_id))
    skip.sort(key=lambda d: (d.at, d.channel_id))
    return Plan(tuple(due), tuple(skip))


def as_synced(
    stored: Iterable[Subscription],
    declared: Mapping[tuple[str, Kind], SubscriptionSpec],
    now: dt.datetime,
) -> list[Subscription]:
    """Every subscription as `Store.sync_declared(declared)` at `now` would leave it: each
    kind, with its days and tags.

    For a dry run, which must show schedule.yml's channels without writing them.
    """
    result = {
        (s.channel_id, Kind(s.kind)): s
        for s in stored
        if not (s.declared and (s.channel_id, Kind(s.kind)) not in declared)
    }
    for (channel, kind), spec in declared.items():
        schedule = spec.schedule
        fields: dict[str, Any] = {
            "post_time": schedule.time_text,
            "timezone": schedule.timezone,
            "days": schedule.days,
            "tags": spec.tags_text,
            "source": "schedule_file",
            "created_by": None,
        }
        existing = result.get((channel, kind))
        if existing is not None:
            result[(channel, kind)] = dataclasses.replace(existing, **fields)
        else:
            result[(channel, kind)] = Subscription(
                channel_id=channel,
                paused=False,
                paused_reason=None,
                created_at=now,
                updated_at=now,
                kind=kind.value,
                **fields,
            )
    return [result[key] for key in sorted(result, key=lambda k: (k[0], k[1].value))]
