"""Planning new-brief announcements and weekly digests (pure), on the daily ledger.

A brief is new to a channel subscribed to new briefs when it was first seen (see
`bot.store.seen`) after the subscription was made; it is announced once its date has
come in the channel's zone. The flood guard: at most `FLOOD_LIMIT` announcements a
channel a local day; the rest of that day's new briefs are held (recorded as skipped,
never announced) and stand in one line, "and 47 more new briefs", once a day.

A weekly digest lists the briefs that became new in the seven days before its post
time, once per channel and ISO week; a week without any posts nothing.

Nothing here reads the clock, the store or Slack.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from bot.daily.plan import LOOKBACK, MAX_ATTEMPTS, Due
from bot.model import Brief
from bot.schedule import (
    Kind,
    ScheduleError,
    SubscriptionSpec,
    due_posts,
    iso_week,
    skipped_posts,
)
from bot.store import Delivery, DeliveryKind, DeliveryState, Subscription

log = logging.getLogger("briefbot.daily")

FLOOD_LIMIT = 3
"""New briefs announced in one channel on one local day; the rest share one line."""
WEEK = dt.timedelta(days=7)
HELD = "held by the flood guard: counted in the day's 'and N more new briefs' line"

LedgerKey = tuple[str, DeliveryKind, str]


@dataclass(frozen=True, slots=True)
class KindsPlan:
    due: tuple[Due, ...] = ()
    held: tuple[Due, ...] = ()
    """New briefs over the flood guard: claimed and recorded as skipped, never posted."""
    skip: tuple[Due, ...] = ()
    """Weekly digests missed by more than the catch-up window."""


@dataclass
class _Plan:
    due: list[Due] = field(default_factory=list)
    held: list[Due] = field(default_factory=list)
    skip: list[Due] = field(default_factory=list)


def new_since(brief: Brief, first_seen: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """When `brief` counts as published: first seen, or the start of its date in `zone`
    if that is later (a brief dated in the future waits for its date)."""
    start = dt.datetime.combine(brief.date, dt.time(0), tzinfo=zone).astimezone(dt.UTC)
    return max(first_seen, start)


def plan_kinds(
    subscriptions: Iterable[Subscription],
    briefs: Sequence[Brief],
    first_seen: Mapping[str, dt.datetime],
    ledger: Mapping[LedgerKey, Delivery],
    now: dt.datetime,
    catch_up: dt.timedelta,
    *,
    lookback: dt.timedelta = LOOKBACK,
    max_attempts: int = MAX_ATTEMPTS,
) -> KindsPlan:
    """What the new-brief and weekly subscriptions post now, hold, and skip.

    `ledger` holds the rows of kinds new, more and weekly from `lookback` (plus a day or
    two) before `now`, by (channel, kind, slot).
    """
    plan = _Plan()
    subscriptions = list(subscriptions)
    # Only briefs that can still be new anywhere: first seen, or dated, within the look
    # back (plus the catch-up window and a day either side for time zones).
    horizon = now - max(lookback, WEEK) - catch_up - dt.timedelta(days=2)
    briefs = [
        b
        for b in briefs
        if b.id in first_seen and (first_seen[b.id] > horizon or b.date >= horizon.date())
    ]
    announcements: dict[str, list[Delivery]] = {}
    for (channel, kind, _), row in ledger.items():
        if kind is DeliveryKind.NEW:
            announcements.setdefault(channel, []).append(row)
    for subscription in subscriptions:
        if subscription.paused or subscription.kind == Kind.DAILY.value:
            continue
        try:
            spec = subscription.spec
        except (ScheduleError, ValueError) as error:
            log.error("subscription of %s is unusable: %s", subscription.channel_id, error)
            continue
        if spec.kind is Kind.NEW:
            rows = announcements.get(subscription.channel_id, [])
            _plan_new(plan, subscription, spec, briefs, first_seen, ledger, rows, now, lookback)
        else:
            _plan_weekly(plan, subscription, spec, briefs, first_seen, ledger, now, catch_up)
    _retries(plan, subscriptions, ledger, now, max_attempts)
    for items in (plan.due, plan.held, plan.skip):
        items.sort(key=lambda d: (d.at, d.channel_id, d.kind.value, d.slot or ""))
    return KindsPlan(tuple(plan.due), tuple(plan.held), tuple(plan.skip))


def _plan_new(
    plan: _Plan,
    subscription: Subscription,
    spec: SubscriptionSpec,
    briefs: Sequence[Brief],
    first_seen: Mapping[str, dt.datetime],
    ledger: Mapping[LedgerKey, Delivery],
    announcements: Sequence[Delivery],
    now: dt.datetime,
    lookback: dt.timedelta,
) -> None:
    channel, zone = subscription.channel_id, spec.schedule.zone
    today = now.astimezone(zone).date()
    fresh: list[tuple[dt.datetime, Brief]] = []
    for brief in briefs:
        seen = first_seen.get(brief.id)
        if seen is None or seen <= subscription.created_at or not spec.carries(brief.tags):
            continue
        since = new_since(brief, seen, zone)
        if now - lookback < since <= now and (channel, DeliveryKind.NEW, brief.id) not in ledger:
            fresh.append((since, brief))
    if not fresh:
        return
    fresh.sort(key=lambda item: (item[0], item[1].date, item[1].id))
    today_rows = [row for row in announcements if row.local_date == today]
    announced = sum(row.state != DeliveryState.SKIPPED for row in today_rows)
    held_before = len(today_rows) - announced
    room = max(0, FLOOD_LIMIT - announced)
    for since, brief in fresh[:room]:
        plan.due.append(
            Due(channel, today, since, kind=DeliveryKind.NEW, slot=brief.id, brief_ids=(brief.id,))
        )
    rest = fresh[room:]
    for since, brief in rest:
        plan.held.append(
            Due(channel, today, since, kind=DeliveryKind.NEW, slot=brief.id, brief_ids=(brief.id,))
        )
    if rest and (channel, DeliveryKind.MORE, today.isoformat()) not in ledger:
        plan.due.append(
            Due(
                channel,
                today,
                rest[-1][0],
                kind=DeliveryKind.MORE,
                slot=today.isoformat(),
                items=len(rest) + held_before,
            )
        )


def _plan_weekly(
    plan: _Plan,
    subscription: Subscription,
    spec: SubscriptionSpec,
    briefs: Sequence[Brief],
    first_seen: Mapping[str, dt.datetime],
    ledger: Mapping[LedgerKey, Delivery],
    now: dt.datetime,
    catch_up: dt.timedelta,
) -> None:
    channel, schedule = subscription.channel_id, spec.schedule
    created = subscription.created_at
    for local_date, at in due_posts(schedule, now, catch_up, not_before=created):
        week = iso_week(local_date)
        if (channel, DeliveryKind.WEEKLY, week) in ledger:
            continue
        ids = week_briefs(spec, briefs, first_seen, at)
        if ids:  # a week without new briefs posts nothing
            plan.due.append(
                Due(
                    channel,
                    local_date,
                    at,
                    kind=DeliveryKind.WEEKLY,
                    slot=week,
                    brief_ids=ids,
                    items=len(ids),
                )
            )
    for local_date, at in skipped_posts(schedule, now, catch_up, since=max(created, now - WEEK)):
        week = iso_week(local_date)
        if (channel, DeliveryKind.WEEKLY, week) not in ledger:
            plan.skip.append(Due(channel, local_date, at, kind=DeliveryKind.WEEKLY, slot=week))


def week_briefs(
    spec: SubscriptionSpec,
    briefs: Sequence[Brief],
    first_seen: Mapping[str, dt.datetime],
    at: dt.datetime,
) -> tuple[str, ...]:
    """The briefs that became new in the week before `at`, newest first, that `spec` carries."""
    zone = spec.schedule.zone
    found: list[tuple[dt.datetime, Brief]] = []
    for brief in briefs:
        seen = first_seen.get(brief.id)
        if seen is None or not spec.carries(brief.tags):
            continue
        since = new_since(brief, seen, zone)
        if at - WEEK < since <= at:
            found.append((since, brief))
    found.sort(key=lambda item: (item[1].date, item[0], item[1].id), reverse=True)
    return tuple(brief.id for _, brief in found)


def _retries(
    plan: _Plan,
    subscriptions: Iterable[Subscription],
    ledger: Mapping[LedgerKey, Delivery],
    now: dt.datetime,
    max_attempts: int,
) -> None:
    """Failed new-brief, overflow and weekly posts to send again, for active subscriptions."""
    active = {
        (s.channel_id, s.kind) for s in subscriptions if not s.paused and s.kind != Kind.DAILY.value
    }
    owner = {
        DeliveryKind.NEW: Kind.NEW.value,
        DeliveryKind.MORE: Kind.NEW.value,
        DeliveryKind.WEEKLY: Kind.WEEKLY.value,
    }
    for (channel, kind, slot), row in ledger.items():
        if kind not in owner or (channel, owner[kind]) not in active:
            continue
        if row.state == DeliveryState.FAILED and row.attempts < max_attempts:
            brief_ids = (row.brief_id,) if kind is DeliveryKind.NEW else ()
            plan.due.append(
                Due(
                    channel,
                    row.local_date,
                    now,
                    retry=True,
                    kind=kind,
                    slot=slot,
                    brief_ids=brief_ids,
                    items=row.items,
                )
            )
