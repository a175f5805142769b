"""Briefs in a person's own DMs: their waking hours and how long they snooze (pure).

- Waking hours are 08:00-20:00 in the person's own zone. A post at a time the person
  chose (a daily brief at 07:00, say) goes out then; a post with no time of its own (a
  new-brief announcement, the catch-up digest after a snooze) that falls outside them
  waits for 08:00.
- `/brief snooze` takes a span (`1w`, `3d`, `12h`, `2 weeks`) or a date (`2026-12-24`:
  deliveries resume at the start of that day, the person's time), at most
  `MAX_SNOOZE_DAYS` ahead. Numbers are digits 0-9 (`bot.basics.whole_number`).
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

from bot.basics import whole_number

WAKING_START = dt.time(8, 0)
WAKING_END = dt.time(20, 0)
MAX_SNOOZE_DAYS = 90

SNOOZE_USAGE = (
    "Type `/brief snooze 1w` (hours, days or weeks: `12h`, `3d`, `2w`) or "
    "`/brief snooze 2026-12-24` (until that date, your time); `/brief unsnooze` ends it."
)

_SPAN = re.compile(r"^(\S+?)\s*([a-z]+)$")
_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
_UNITS: dict[str, dt.timedelta] = {
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), dt.timedelta(hours=1)),
    **dict.fromkeys(("d", "day", "days"), dt.timedelta(days=1)),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), dt.timedelta(weeks=1)),
}


class SnoozeError(ValueError):
    """A snooze that cannot be read; the message says what to type instead."""


def in_waking_hours(now: dt.datetime, zone: str) -> bool:
    """Whether `now` is within 08:00-20:00 in `zone`."""
    local = now.astimezone(zoneinfo.ZoneInfo(zone)).time()
    return WAKING_START <= local < WAKING_END


def next_waking(now: dt.datetime, zone: str) -> dt.datetime:
    """`now` if it is within waking hours in `zone`, else the next 08:00 there (UTC)."""
    if in_waking_hours(now, zone):
        return now
    tz = zoneinfo.ZoneInfo(zone)
    local = now.astimezone(tz)
    day = local.date() if local.time() < WAKING_START else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, WAKING_START, tzinfo=tz).astimezone(dt.UTC)


def parse_snooze(text: str, now: dt.datetime, zone: str) -> dt.datetime:
    """When a snooze typed as `text` ends, in UTC; SnoozeError says what to type."""
    typed = " ".join(text.split()).lower()
    if not typed:
        raise SnoozeError(f"Say for how long. {SNOOZE_USAGE}")
    limit = dt.timedelta(days=MAX_SNOOZE_DAYS)
    if match := _DATE.match(typed):
        try:
            day = dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            raise SnoozeError(f"“{text.strip()}” is not a date. {SNOOZE_USAGE}") from None
        tz = zoneinfo.ZoneInfo(zone)
        until = dt.datetime.combine(day, dt.time(0), tzinfo=tz).astimezone(dt.UTC)
        if until <= now:
            raise SnoozeError(
                f"{day.isoformat()} has begun already in your time zone ({zone}): give a "
                f"later date. {SNOOZE_USAGE}"
            )
        if until - now > limit:
            raise SnoozeError(f"Snooze for at most {MAX_SNOOZE_DAYS} days. {SNOOZE_USAGE}")
        return until
    match = _SPAN.match(typed)
    unit = _UNITS.get(match[2]) if match else None
    if match is None or unit is None:
        raise SnoozeError(f"I can't read “{text.strip()}” as a span or a date. {SNOOZE_USAGE}")
    most = limit // unit
    count = whole_number(match[1], 1, most)
    if count is None:
        raise SnoozeError(
            f"“{match[1]}” is not a number from 1 to {most}: write it with the digits 0-9, "
            f"at most {MAX_SNOOZE_DAYS} days in all. {SNOOZE_USAGE}"
        )
    return now + count * unit
