"""Planning new-brief announcements and the flood guard (pure).

A brief is new to a channel subscribed to new briefs when it was first seen (see
`bot.store.seen`) after the subscription was made; it is announced once its date has
come in the channel's zone. The flood guard: at most `FLOOD_LIMIT` announcements a
channel a local day; the rest of that day's new briefs are held (recorded as skipped,
never announced) and stand in one line, "and 47 more new briefs", once a day.
"""

from __future__ import annotations

import datetime as dt

from bot.daily.plan import (
    LOOKBACK,
    MAX_ATTEMPTS,
    Due,
    Ledger,
    Plan,
    Published,
    Wanted,
    new_since,
    retries,
)
from bot.model import Brief
from bot.store import Delivery, DeliveryKey, DeliveryKind, DeliveryState

FLOOD_LIMIT = 3
"""New briefs announced in one channel on one local day; the rest share one line."""
HELD = "held by the flood guard: counted in the day's 'and N more new briefs' line"


def plan_new(
    subscriptions: Wanted,
    published: Published,
    ledger: Ledger,
    now: dt.datetime,
    *,
    lookback: dt.timedelta = LOOKBACK,
    max_attempts: int = MAX_ATTEMPTS,
) -> Plan:
    """What the active new-brief subscriptions announce now and hold back.

    `ledger` holds the rows of kinds new and more from `lookback` (plus a day or two)
    before `now`.
    """
    announcements: dict[str, list[Delivery]] = {}
    for key, row in ledger.items():
        if key.kind is DeliveryKind.NEW:
            announcements.setdefault(key.channel, []).append(row)
    due: list[Due] = []
    held: list[Due] = []
    for subscription, spec in subscriptions:
        channel, zone = subscription.channel_id, spec.schedule.zone
        today = now.astimezone(zone).date()
        fresh: list[tuple[dt.datetime, Brief]] = []
        for brief in published.briefs:
            seen = published.first_seen.get(brief.id)
            if seen is None or seen <= subscription.created_at or not spec.carries(brief.tags):
                continue
            since = new_since(brief, seen, zone)
            if (
                now - lookback < since <= now
                and DeliveryKey.new_brief(channel, brief.id) not in ledger
            ):
                fresh.append((since, brief))
        if not fresh:
            continue
        fresh.sort(key=lambda item: (item[0], item[1].date, item[1].id))
        today_rows = [row for row in announcements.get(channel, []) if row.local_date == today]
        announced = sum(row.state != DeliveryState.SKIPPED for row in today_rows)
        room = max(0, FLOOD_LIMIT - announced)
        for n, (since, brief) in enumerate(fresh):
            post = Due(
                DeliveryKey.new_brief(channel, brief.id), today, since, brief_ids=(brief.id,)
            )
            (due if n < room else held).append(post)
        rest = fresh[room:]
        more = DeliveryKey.more(channel, today)
        if rest and more not in ledger:
            held_before = len(today_rows) - announced
            due.append(Due(more, today, rest[-1][0], items=len(rest) + held_before))
    channels = {subscription.channel_id for subscription, _ in subscriptions}
    kinds = (DeliveryKind.NEW, DeliveryKind.MORE)
    due += retries(ledger, kinds, channels, now, max_attempts)
    return Plan.of(due, held=held)
