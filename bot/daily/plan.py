"""What every kind's planner shares (pure): a post that is due, a plan, and retries.

One planner per kind works out what is due now: `bot.daily.plan_daily` (the daily
brief), `bot.daily.plan_new` (new-brief announcements and the flood guard) and
`bot.daily.plan_weekly` (weekly digests). None reads the clock, the store or Slack: the
sweep passes in the subscriptions, the ledger rows by `DeliveryKey` and the time, and
gets back a `Plan`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.model import Brief
from bot.schedule import Kind, ScheduleError, SubscriptionSpec
from bot.store import Delivery, DeliveryKey, DeliveryKind, DeliveryState, Subscription

log = logging.getLogger("briefbot.daily")

LOOKBACK = dt.timedelta(days=7)
"""How far back missed posts are recorded as skipped after a long downtime."""
MAX_ATTEMPTS = 3
"""Sends of one post before a failure is left for people to look at."""

Ledger = Mapping[DeliveryKey, Delivery]
"""The ledger rows a planner looks at."""
Wanted = Sequence[tuple[Subscription, SubscriptionSpec]]
"""The active subscriptions of one kind, with their specs (see `active`)."""


@dataclass(frozen=True, slots=True)
class Published:
    """The briefs that can be new, and when each was first seen (see `bot.store.seen`)."""

    briefs: Sequence[Brief]
    first_seen: Mapping[str, dt.datetime]


@dataclass(frozen=True, slots=True)
class Due:
    """One post named by its ledger key, the local date it is for, and when it was (or
    is) due, in UTC."""

    key: DeliveryKey
    local_date: dt.date
    at: dt.datetime
    retry: bool = False
    """A failed earlier attempt to send again (the ledger row exists)."""
    brief_ids: tuple[str, ...] = ()
    """The briefs a new-brief post or a weekly digest carries; for a daily post sent again,
    the brief its ledger row names."""
    items: int | None = None
    """How many briefs a weekly digest or the flood guard's line stands for."""

    @property
    def channel_id(self) -> str:
        return self.key.channel

    @property
    def kind(self) -> DeliveryKind:
        return self.key.kind


@dataclass(frozen=True, slots=True)
class Plan:
    due: tuple[Due, ...] = ()
    held: tuple[Due, ...] = ()
    """New briefs over the flood guard: recorded as skipped, never posted."""
    skip: tuple[Due, ...] = ()
    """Posts missed by more than the catch-up window: recorded as skipped."""

    @classmethod
    def of(cls, due: Iterable[Due], held: Iterable[Due] = (), skip: Iterable[Due] = ()) -> Plan:
        """A plan with each part in the order the sweep sends it: by time, then channel."""

        def order(items: Iterable[Due]) -> tuple[Due, ...]:
            return tuple(sorted(items, key=lambda d: (d.at, d.key.channel, d.kind, d.key.slot)))

        return cls(order(due), order(held), order(skip))


def retry(row: Delivery | None, max_attempts: int) -> bool:
    """Whether a post with this ledger row is to be sent again (or, with none, at all)."""
    return row is not None and row.state == DeliveryState.FAILED and row.attempts < max_attempts


def retries(
    ledger: Ledger,
    kinds: Collection[DeliveryKind],
    channels: Collection[str],
    now: dt.datetime,
    max_attempts: int,
) -> list[Due]:
    """Failed posts of `kinds` in `channels` to send again now."""
    return [
        Due(
            key,
            row.local_date,
            now,
            retry=True,
            brief_ids=(row.brief_id,) if key.kind is DeliveryKind.NEW else (),
            items=row.items,
        )
        for key, row in ledger.items()
        if key.kind in kinds and key.channel in channels and retry(row, max_attempts)
    ]


def new_since(brief: Brief, first_seen: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """When `brief` counts as published: first seen, or the start of its date in `zone`
    if that is later (a brief dated in the future waits for its date)."""
    start = dt.datetime.combine(brief.date, dt.time(0), tzinfo=zone).astimezone(dt.UTC)
    return max(first_seen, start)


def active(subscriptions: Iterable[Subscription], kind: Kind) -> Wanted:
    """The subscriptions of `kind` not paused, with their specs; unusable ones are logged."""
    found = []
    for subscription in subscriptions:
        if subscription.paused or subscription.kind != kind.value:
            continue
        try:
            found.append((subscription, subscription.spec))
        except (ScheduleError, ValueError) as error:
            log.error("subscription of %s is unusable: %s", subscription.channel_id, error)
    return found


def recent_briefs(
    published: Published, now: dt.datetime, catch_up: dt.timedelta, lookback: dt.timedelta
) -> Published:
    """The briefs that can still be new to a planner looking `lookback` back: first seen,
    or dated, within it (plus the catch-up window and a day either side for time zones)."""
    horizon = now - lookback - catch_up - dt.timedelta(days=2)
    seen = published.first_seen
    briefs = [
        brief
        for brief in published.briefs
        if brief.id in seen and (seen[brief.id] > horizon or brief.date >= horizon.date())
    ]
    return Published(briefs, seen)
