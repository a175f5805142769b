"""Planning what people get in their own DMs (pure): snoozes, waking hours, catch-ups.

A person's subscriptions are channel subscriptions under their DM's id, planned by the
same planners; this module decides what those planners see and adds the one post only
people have:

- while a person is snoozed, none of their subscriptions is planned (nothing is
  recorded for them either: what they miss is the catch-up digest's);
- after a snooze, their subscriptions count from its end, so nothing it held back is
  posted on its own;
- a new-brief announcement waits for 08:00 of their time (`bot.snooze`); a daily brief
  or weekly digest goes out at the time they chose, whatever the hour;
- when a snooze ends, one catch-up digest lists what it held back (its ledger key names
  the snooze), sent within waking hours, never a flood of the posts themselves; the
  person's other posts wait until it is settled.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import zoneinfo
from collections.abc import Iterable, Iterator, Mapping, Sequence

from bot.daily.plan import MAX_ATTEMPTS, Due, Ledger, Published, new_since, retry
from bot.records import IN_FLIGHT
from bot.schedule import Kind, ScheduleError, SubscriptionSpec, post_times
from bot.snooze import in_waking_hours
from bot.store import DeliveryKey, Person, Subscription

CAUGHT_UP = "nothing was missed while snoozed"


def as_planned(
    subscriptions: Iterable[Subscription],
    people: Mapping[str, Person],
    now: dt.datetime,
    catch_ups: Ledger,
) -> list[Subscription]:
    """The subscriptions as the planners are to see them at `now` (see the module).

    `catch_ups` holds the ledger rows of the people's catch-up digests: until a person's
    digest is settled, their other posts wait, so that one replica at a time posts in a
    person's DM and the digest comes first."""
    planned = []
    for subscription in subscriptions:
        person = people.get(subscription.channel_id)
        if person is None:
            planned.append(subscription)
            continue
        if person.snoozed(now) or catch_up_pending(person, catch_ups, now):
            continue
        if subscription.kind == Kind.NEW.value and not in_waking_hours(now, person.timezone):
            continue
        ended = person.snoozed_until
        if ended is not None and ended > subscription.created_at:
            subscription = dataclasses.replace(subscription, created_at=ended)
        planned.append(subscription)
    return planned


def catch_up_pending(
    person: Person, catch_ups: Ledger, now: dt.datetime, *, max_attempts: int = MAX_ATTEMPTS
) -> bool:
    """Whether the digest of the person's ended snooze is still to be sent (or in flight)."""
    if person.snoozed_from is None or person.snoozed_until is None or person.snoozed(now):
        return False
    row = catch_ups.get(DeliveryKey.catch_up(person.dm_channel, person.snoozed_from))
    return row is None or row.state in IN_FLIGHT or retry(row, max_attempts)


def catch_ups_due(
    people: Iterable[Person], ledger: Ledger, now: dt.datetime, *, max_attempts: int = MAX_ATTEMPTS
) -> list[Due]:
    """The catch-up digests to send now: one per ended snooze, in waking hours."""
    due = []
    for person in people:
        began, ended = person.snoozed_from, person.snoozed_until
        if began is None or ended is None or person.snoozed(now):
            continue
        if not in_waking_hours(now, person.timezone):
            continue
        key = DeliveryKey.catch_up(person.dm_channel, began)
        row = ledger.get(key)
        if row is not None and not retry(row, max_attempts):
            continue
        today = now.astimezone(zoneinfo.ZoneInfo(person.timezone)).date()
        due.append(Due(key, row.local_date if row else today, ended, retry=row is not None))
    return due


def missed_briefs(
    person: Person,
    subscriptions: Sequence[Subscription],
    published: Published,
    featured: Mapping[tuple[dt.date, tuple[str, ...]], str | None],
) -> list[str]:
    """The briefs a person's snooze held back, newest first, each once: every new brief
    their new-brief or weekly subscriptions carry, and the daily picks they missed.

    `featured` names the daily pick of each (local date, tags) of `daily_dates`."""
    found: dict[str, dt.datetime] = {}
    for spec, since, ended in _held_back(person, subscriptions):
        if spec.kind is Kind.DAILY:
            for day, at in post_times(spec.schedule, since, ended):
                brief_id = featured.get((day, spec.tags))
                if brief_id:
                    found[brief_id] = max(found.get(brief_id, at), at)
            continue
        zone = spec.schedule.zone
        for brief in published.briefs:
            seen = published.first_seen.get(brief.id)
            if seen is None or not spec.carries(brief.tags):
                continue
            at = new_since(brief, seen, zone)
            if since < at <= ended:
                found[brief.id] = max(found.get(brief.id, at), at)
    return [
        brief_id for brief_id, _ in sorted(found.items(), key=lambda i: (i[1], i[0]), reverse=True)
    ]


def daily_dates(
    person: Person, subscriptions: Sequence[Subscription]
) -> list[tuple[dt.date, tuple[str, ...]]]:
    """The (local date, tags) of each daily brief a person's snooze held back."""
    dates = []
    for spec, since, ended in _held_back(person, subscriptions):
        if spec.kind is Kind.DAILY:
            dates += [(day, spec.tags) for day, _ in post_times(spec.schedule, since, ended)]
    return list(dict.fromkeys(dates))


def _held_back(
    person: Person, subscriptions: Sequence[Subscription]
) -> Iterator[tuple[SubscriptionSpec, dt.datetime, dt.datetime]]:
    """What the person's ended snooze held back, subscription by subscription: its spec
    and the span (since, until) it was held, from the snooze's start (or the
    subscription's creation, if later) to the snooze's end.

    A paused subscription held nothing back, and one whose schedule no longer reads is
    passed over."""
    began, ended = person.snoozed_from, person.snoozed_until
    assert began is not None and ended is not None
    for subscription in subscriptions:
        if subscription.paused:
            continue
        try:
            spec = subscription.spec
        except (ScheduleError, ValueError):
            continue
        yield spec, max(began, subscription.created_at), ended
