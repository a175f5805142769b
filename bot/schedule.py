"""When a channel's daily post is due: pure functions over a frozen `Schedule`.

Everything here takes the current time as an argument and returns UTC instants, so
the sweep, `/brief schedule` and the tests share one definition of "due", and a test
can freeze the clock simply by passing a datetime.

Daylight-saving rules, for a post time written as a local wall-clock time:
- a time that does not exist that day (the spring-forward gap, e.g. 02:30 in New York
  on the second Sunday of March) posts once, when the gap ends (03:00 local);
- a time that occurs twice (fall back, e.g. 01:30 on the first Sunday of November)
  posts once, at its first occurrence.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
import zoneinfo
from dataclasses import dataclass
from typing import Literal, get_args

Days = Literal["weekdays", "daily"]
DAYS: tuple[str, ...] = get_args(Days)
DEFAULT_TIME = dt.time(9, 0)
DEFAULT_DAYS: Days = "weekdays"
UTC = dt.UTC

USAGE = (
    "Type `/brief subscribe [HH:MM] [weekdays|daily] [Area/City]`, "
    "for example `/brief subscribe 09:30 daily Europe/Helsinki`."
)

_TIME_24H = re.compile(r"^(\d{1,2}):(\d{2})$")
_TIME_12H = re.compile(r"^(\d{1,2})(?::(\d{2}))?(am|pm)$")
# Anything starting with a digit was meant as a time: "9.30", "930", "9h", "25:00".
_TIME_LIKE = re.compile(r"^\d")
# "9 am", "5:30 PM", "9 a.m.": the meridiem, written apart or with dots, belongs to the time.
_SPACED_MERIDIEM = re.compile(r"\b(\d{1,2}(?::\d{2})?)\s*([ap])\.?m\b\.?", re.IGNORECASE)
_DAY_WORDS: dict[str, Days] = {
    "weekdays": "weekdays",
    "weekday": "weekdays",
    "workdays": "weekdays",
    "daily": "daily",
    "everyday": "daily",
}
# Entries of the tz database that are not places people live in.
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


class ScheduleError(ValueError):
    """Input that does not describe a schedule; the message says what to type instead."""


@dataclass(frozen=True, slots=True)
class Schedule:
    """A channel's daily post: a local wall-clock time, its IANA zone, and which days."""

    post_time: dt.time
    timezone: str
    days: Days = DEFAULT_DAYS

    def __post_init__(self) -> None:
        if self.post_time.tzinfo is not None:
            raise ScheduleError("The post time is a local wall-clock time; give it no zone.")
        if self.post_time.second or self.post_time.microsecond:
            raise ScheduleError("Post times are whole minutes, like 09:30.")
        if self.days not in DAYS:
            raise ScheduleError(f"Days must be weekdays or daily, not {self.days!r}.")
        if canonical_zone(self.timezone) != self.timezone:
            raise ScheduleError(unknown_zone_message(self.timezone))

    @classmethod
    def from_text(cls, post_time: str, timezone: str, days: str) -> Schedule:
        """Rebuild a schedule from its stored form ("HH:MM", zone name, days)."""
        return cls(parse_time(post_time), timezone, days)  # type: ignore[arg-type]

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def time_text(self) -> str:
        """The post time as stored and shown: "HH:MM", 24-hour."""
        return self.post_time.strftime("%H:%M")

    def describe(self) -> str:
        """For people: "09:30 on weekdays (Europe/Helsinki)"."""
        when = "every day" if self.days == "daily" else "on weekdays"
        return f"{self.time_text} {when} ({self.timezone})"

    def posts_on(self, local_date: dt.date) -> bool:
        """Whether this schedule posts on `local_date`, a date in the channel's own zone."""
        return self.days == "daily" or local_date.weekday() < 5


# --- parsing -------------------------------------------------------------------------


def parse_schedule_args(text: str, default_tz: str) -> Schedule:
    """Parse the words after `/brief subscribe`, in any order.

    Defaults: 09:00, weekdays, `default_tz` (UTC if that is not a known zone either).
    Raises ScheduleError with a message that tells the user what to type.
    """
    post_time: dt.time | None = None
    days: Days | None = None
    zone: str | None = None
    text = _SPACED_MERIDIEM.sub(r"\1\2m", text.replace(",", " "))
    for word in text.split():
        lowered = word.lower()
        if lowered in _DAY_WORDS:
            if days is not None:
                raise ScheduleError(f"Give weekdays or daily only once. {USAGE}")
            days = _DAY_WORDS[lowered]
        elif _TIME_LIKE.match(word):
            if post_time is not None:
                raise ScheduleError(f"Give one post time only. {USAGE}")
            post_time = parse_time(word)
        elif "/" in word or canonical_zone(word) is not None:
            if zone is not None:
                raise ScheduleError(f"Give one time zone only. {USAGE}")
            found = canonical_zone(word)
            if found is None:
                raise ScheduleError(unknown_zone_message(word))
            zone = found
        else:
            raise ScheduleError(_unknown_word_message(word))
    return Schedule(
        post_time=post_time if post_time is not None else DEFAULT_TIME,
        timezone=zone or canonical_zone(default_tz) or "UTC",
        days=days or DEFAULT_DAYS,
    )


def parse_time(word: str) -> dt.time:
    """Read a time of day: 09:30, 9:30, 17:05, 9am or 5:30pm; anything else ScheduleError."""
    lowered = word.strip().lower()
    hour = minute = -1
    if match := _TIME_24H.match(lowered):
        hour, minute = int(match[1]), int(match[2])
    elif match := _TIME_12H.match(lowered):
        hour12, minute = int(match[1]), int(match[2] or 0)
        if 1 <= hour12 <= 12:
            hour = hour12 % 12 + (12 if match[3] == "pm" else 0)
    if 0 <= hour <= 23 and 0 <= minute <= 59:
        return dt.time(hour, minute)
    raise ScheduleError(
        f"“{word}” is not a time of day. Write it as HH:MM in 24-hour time, "
        f"from 00:00 to 23:59 (for example 09:30 or 17:00). {USAGE}"
    )


@functools.cache
def _zones_by_folded_name() -> dict[str, str]:
    return {
        name.casefold(): name for name in zoneinfo.available_timezones() if name not in _NOT_ZONES
    }


def canonical_zone(name: str) -> str | None:
    """The IANA zone `name` denotes, ignoring case ("europe/helsinki" -> "Europe/Helsinki")."""
    return _zones_by_folded_name().get(name.strip().casefold())


def zone_suggestions(name: str, limit: int = 3) -> list[str]:
    """Real zone names close to a mistyped one: by spelling, or by the city alone."""
    folded = name.strip().casefold().replace(" ", "_")
    zones = _zones_by_folded_name()
    by_city = [
        zone for key, zone in zones.items() if "/" in key and key.rsplit("/", 1)[1] == folded
    ]
    close = difflib.get_close_matches(folded, list(zones), n=limit, cutoff=0.75)
    if not close and "/" in folded:
        city = folded.rsplit("/", 1)[1]
        cities = {key.rsplit("/", 1)[1]: key for key in zones if "/" in key}
        close = [cities[c] for c in difflib.get_close_matches(city, list(cities), n=limit)]
    suggestions = sorted(by_city) + [zones[key] for key in close]
    return list(dict.fromkeys(suggestions))[:limit]


def unknown_zone_message(name: str) -> str:
    suggestions = zone_suggestions(name)
    hint = f" Did you mean {' or '.join(suggestions)}?" if suggestions else ""
    return (
        f"“{name}” is not a time zone I know.{hint} Use an IANA name like "
        f"Europe/Helsinki or America/New_York. {USAGE}"
    )


def _unknown_word_message(word: str) -> str:
    zones = zone_suggestions(word)
    days = difflib.get_close_matches(word.lower(), list(_DAY_WORDS), n=1)
    if days:
        hint = f" Did you mean {_DAY_WORDS[days[0]]}?"
    elif zones:
        hint = f" Did you mean the time zone {' or '.join(zones)}?"
    else:
        hint = ""
    return f"I don't understand “{word}”.{hint} {USAGE}"


# --- when posts are due --------------------------------------------------------------


def post_instant(schedule: Schedule, local_date: dt.date) -> dt.datetime:
    """The UTC instant of the post for `local_date`, whether or not that date posts.

    A wall-clock time repeated by a fall-back change resolves to its first occurrence;
    one skipped by a spring-forward change resolves to the end of the gap.
    """
    zone = schedule.zone
    wall = dt.datetime.combine(local_date, schedule.post_time)
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == wall:
        return first
    # In a gap, fold=1 reads the wall time with the offset after the change and fold=0
    # with the one before, so the change itself lies between the two readings.
    return _gap_end(zone, wall, wall.replace(tzinfo=zone, fold=1).astimezone(UTC), first)


def _gap_end(
    zone: zoneinfo.ZoneInfo, wall: dt.datetime, before: dt.datetime, after: dt.datetime
) -> dt.datetime:
    """The first instant at or after which the local wall clock reads `wall` or later."""
    lo, hi = sorted((before, after))
    step = dt.timedelta(seconds=1)
    # Local wall time only moves forward across a gap, so bisection finds the jump.
    while hi - lo > step:
        mid = lo + (hi - lo) / 2
        mid = mid - dt.timedelta(microseconds=mid.microsecond)
        if mid.astimezone(zone).replace(tzinfo=None) >= wall:
            hi = mid
        else:
            lo = mid
    return hi


def post_times(
    schedule: Schedule, start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.date, dt.datetime]]:
    """Every (local date, UTC instant) the schedule posts at with start < instant <= end."""
    _require_aware(start, "start")
    _require_aware(end, "end")
    if end <= start:
        return []
    zone = schedule.zone
    # One day of margin either side: a date's post instant can fall on a neighbouring
    # UTC date, and a gap at midnight can push it into the next local date.
    day = start.astimezone(zone).date() - dt.timedelta(days=1)
    last = end.astimezone(zone).date() + dt.timedelta(days=1)
    found: dict[dt.datetime, dt.date] = {}
    while day <= last:
        if schedule.posts_on(day):
            at = post_instant(schedule, day)
            if start < at <= end:
                # A zone that skipped a whole date (Samoa, 2011-12-30) resolves it to the
                # next date's instant; one post, under the date that existed, is enough.
                found[at] = day
        day += dt.timedelta(days=1)
    return sorted(((day, at) for at, day in found.items()), key=lambda item: item[1])


def next_post_time(schedule: Schedule, after: dt.datetime) -> dt.datetime:
    """The first post strictly after `after`, in UTC."""
    _require_aware(after, "after")
    # A weekdays schedule posts within any 4 days (Fri -> Mon); a week is ample even
    # for a zone that skipped a whole calendar day.
    return post_times(schedule, after, after + dt.timedelta(days=8))[0][1]


def due_posts(
    schedule: Schedule,
    now: dt.datetime,
    last_window: dt.timedelta,
    *,
    not_before: dt.datetime | None = None,
) -> list[tuple[dt.date, dt.datetime]]:
    """The posts to send now: those whose time fell within (now - last_window, now].

    `last_window` is the catch-up window: a post missed by less than it (the bot was
    down) still goes out; older ones belong to `skipped_posts`. `not_before` (e.g. when
    the channel subscribed) keeps a new subscription from posting for a time that
    passed before it existed. Each result is (local date, UTC instant), oldest first.
    """
    _check_window(last_window)
    start = now - last_window
    if not_before is not None:
        _require_aware(not_before, "not_before")
        start = max(start, not_before)
    return post_times(schedule, start, now)


def skipped_posts(
    schedule: Schedule, now: dt.datetime, last_window: dt.timedelta, *, since: dt.datetime
) -> list[tuple[dt.date, dt.datetime]]:
    """Posts missed by the catch-up window or more: within (since, now - last_window].

    These are never sent; the sweep records and logs them once. `since` bounds the look
    back (e.g. the later of the subscription's start and the last recorded delivery).
    """
    _check_window(last_window)
    return post_times(schedule, since, now - last_window)


def _check_window(window: dt.timedelta) -> None:
    if window < dt.timedelta(0):
        raise ValueError(f"The catch-up window cannot be negative: {window}.")


def _require_aware(value: dt.datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}.")
