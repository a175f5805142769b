"""What a channel subscribes to, and when its posts are due: pure functions over
frozen values.

A channel holds at most one `SubscriptionSpec` of each `Kind`:
- `daily`: the featured brief at a time, on `daily`, `weekdays` or listed days
  (`mon,wed,fri`);
- `new`: every new brief, at the next sweep after it is published (its zone decides
  what "a day" is for the flood guard);
- `weekly`: one digest of the week's new briefs, on one day at a time (`weekly fri 16:00`).
Any kind may carry tags (`tags:governance,security`): only briefs with one of them count.

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
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

Days = str
"""Stored and canonical: "daily", "weekdays", or listed days in week order ("mon,wed,fri")."""
WEEKDAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_TIME = dt.time(9, 0)
DEFAULT_DAYS: Days = "weekdays"
DEFAULT_WEEKLY_DAY = "fri"
MAX_TAGS = 10
UTC = dt.UTC

USAGE = (
    "Type `/brief subscribe [daily|new|weekly] [HH:MM] [weekdays|daily|mon,wed,fri] "
    "[Area/City] [tags:a,b]`, for example `/brief subscribe 09:30 daily Europe/Helsinki`, "
    "`/brief subscribe new` or `/brief subscribe weekly fri 16:00`."
)


class Kind(StrEnum):
    """What a subscription posts; a channel holds at most one of each."""

    DAILY = "daily"
    NEW = "new"
    WEEKLY = "weekly"


_TIME_24H = re.compile(r"^([0-9]{1,2}):([0-9]{2})$")
_TIME_12H = re.compile(r"^([0-9]{1,2})(?::([0-9]{2}))?(am|pm)$")
# "9 am", "5:30 PM", "9 a.m.": the meridiem, written apart or with dots, belongs to the time.
_SPACED_MERIDIEM = re.compile(r"\b([0-9]{1,2}(?::[0-9]{2})?)\s*([ap])\.?m\b\.?", re.IGNORECASE)
_TAG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_KIND_WORDS: dict[str, Kind] = {"new": Kind.NEW, "weekly": Kind.WEEKLY}
_WEEKDAY_WORDS: dict[str, str] = {
    **{name: name for name in WEEKDAY_NAMES},
    "monday": "mon",
    "tuesday": "tue",
    "tues": "tue",
    "wednesday": "wed",
    "thursday": "thu",
    "thur": "thu",
    "thurs": "thu",
    "friday": "fri",
    "saturday": "sat",
    "sunday": "sun",
}
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
        if canonical_days(self.days) != self.days:
            raise ScheduleError(
                f"Days must be weekdays, daily or a list like mon,wed,fri, not {self.days!r}."
            )
        if canonical_zone(self.timezone) != self.timezone:
            raise ScheduleError(unknown_zone_message(self.timezone))

    @classmethod
    def from_text(cls, post_time: str, timezone: str, days: str) -> Schedule:
        """Rebuild a schedule from its stored form ("HH:MM", zone name, days)."""
        return cls(parse_time(post_time), timezone, days)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def time_text(self) -> str:
        """The post time as stored and shown: "HH:MM", 24-hour."""
        return self.post_time.strftime("%H:%M")

    def describe(self) -> str:
        """For people: "09:30 on weekdays (Europe/Helsinki)"."""
        if self.days == "daily":
            when = "every day"
        elif self.days == "weekdays":
            when = "on weekdays"
        else:
            when = "on " + ", ".join(day.capitalize() for day in self.days.split(","))
        return f"{self.time_text} {when} ({self.timezone})"

    def posts_on(self, local_date: dt.date) -> bool:
        """Whether this schedule posts on `local_date`, a date in the channel's own zone."""
        return local_date.weekday() in _weekday_numbers(self.days)


@dataclass(frozen=True, slots=True)
class SubscriptionSpec:
    """One subscription of a channel: its kind, when it posts, and which briefs it carries.

    For `new`, the schedule's time and days are not used (announcements go out at the
    next sweep); its zone says when a day begins, for the flood guard.
    """

    kind: Kind
    schedule: Schedule
    tags: tuple[str, ...] = field(default=())
    """Sorted, lower case, without repeats; empty means every brief."""

    def __post_init__(self) -> None:
        if self.tags != canonical_tags(self.tags):
            raise ScheduleError(f"Tags must be sorted, lower case and unique: {self.tags!r}.")
        if self.kind is Kind.WEEKLY and len(_weekday_numbers(self.schedule.days)) != 1:
            raise ScheduleError(f"A weekly digest posts on one day, like fri. {USAGE}")

    @property
    def tags_text(self) -> str:
        """The tags as stored: "governance,security" ("" for none)."""
        return ",".join(self.tags)

    def carries(self, brief_tags: Iterable[str]) -> bool:
        """Whether a brief with `brief_tags` belongs to this subscription."""
        if not self.tags:
            return True
        return bool(set(self.tags) & {tag.lower() for tag in brief_tags})

    def describe(self) -> str:
        """For people: "new briefs as published", "weekly digest 16:00 on Fri (UTC)"..."""
        if self.kind is Kind.NEW:
            text = "new briefs as published"
        elif self.kind is Kind.WEEKLY:
            text = f"a weekly digest, {self.schedule.describe()}"
        else:
            text = f"the featured brief, {self.schedule.describe()}"
        if self.tags:
            text += " — tags: " + ", ".join(self.tags)
        return text


def canonical_days(text: str) -> str | None:
    """The stored form of a days word or list, or None if it is not one.

    "Daily" -> "daily"; "fri,mon, wed" -> "mon,wed,fri"; all seven days -> "daily";
    "mon,tue,wed,thu,fri" -> "weekdays".
    """
    lowered = text.strip().lower()
    if lowered in _DAY_WORDS:
        return _DAY_WORDS[lowered]
    words = [word for word in re.split(r"[\s,]+", lowered) if word]
    if not words or any(word not in _WEEKDAY_WORDS for word in words):
        return None
    numbers = sorted({WEEKDAY_NAMES.index(_WEEKDAY_WORDS[word]) for word in words})
    if numbers == list(range(7)):
        return "daily"
    if numbers == list(range(5)):
        return "weekdays"
    return ",".join(WEEKDAY_NAMES[n] for n in numbers)


@functools.cache
def _weekday_numbers(days: str) -> frozenset[int]:
    if days == "daily":
        return frozenset(range(7))
    if days == "weekdays":
        return frozenset(range(5))
    return frozenset(WEEKDAY_NAMES.index(day) for day in days.split(","))


def canonical_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Tags as a subscription keeps them: lower case, sorted, each once."""
    return tuple(sorted({tag.strip().lower() for tag in tags if tag.strip()}))


def parse_tags(text: str) -> tuple[str, ...]:
    """Read "governance,security" (after `tags:`); ScheduleError for a malformed tag."""
    tags = canonical_tags(text.split(","))
    if not tags:
        raise ScheduleError(f"Give at least one tag after tags:, like tags:governance. {USAGE}")
    bad = [tag for tag in tags if not _TAG.match(tag)]
    if bad:
        raise ScheduleError(
            f"“{bad[0]}” is not a tag: tags are letters, digits, - and _, "
            f"separated by commas (tags:governance,security). {USAGE}"
        )
    if len(tags) > MAX_TAGS:
        raise ScheduleError(f"Give at most {MAX_TAGS} tags. {USAGE}")
    return tags


# --- parsing -------------------------------------------------------------------------


def parse_subscription(text: str, default_tz: str) -> SubscriptionSpec:
    """Parse the words after `/brief subscribe`, in any order, into a subscription.

    `new` or `weekly` anywhere chooses the kind (default: the daily featured brief);
    `tags:a,b` chooses tags. Defaults: 09:00, weekdays (a weekly digest: fri),
    `default_tz` (UTC if that is not a known zone either). Raises ScheduleError with a
    message that tells the user what to type.
    """
    kind: Kind | None = None
    tags: tuple[str, ...] = ()
    post_time: dt.time | None = None
    day_words: list[str] = []
    zone: str | None = None
    rest: list[str] = []
    for word in text.split():
        lowered = word.lower()
        if lowered.startswith(("tags:", "tag:")):
            if tags:
                raise ScheduleError(f"Give tags:… only once. {USAGE}")
            tags = parse_tags(lowered.split(":", 1)[1])
        else:
            rest.append(word)
    text = _SPACED_MERIDIEM.sub(r"\1\2m", " ".join(rest).replace(",", " "))
    for word in text.split():
        lowered = word.lower()
        if lowered in _KIND_WORDS:
            if kind is not None:
                raise ScheduleError(f"Give one of daily, new or weekly. {USAGE}")
            kind = _KIND_WORDS[lowered]
        elif lowered in _DAY_WORDS or lowered in _WEEKDAY_WORDS:
            day_words.append(lowered)
        elif word[:1].isdigit():
            # Anything starting with a digit was meant as a time: "9.30", "930", "25:00",
            # "²:30"; parse_time reads the digits 0-9 only and says how to write it.
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
    kind = kind or Kind.DAILY
    named = [word for word in day_words if word in _DAY_WORDS]
    if named and (len(named) > 1 or len(day_words) > 1):
        raise ScheduleError(f"Give weekdays, daily or a list of days, only once. {USAGE}")
    days = canonical_days(",".join(day_words)) if day_words else None
    if kind is Kind.NEW and (days is not None or post_time is not None):
        raise ScheduleError(
            "New briefs are posted as they are published: give no time or days, "
            f"only a time zone or tags:… if you like. {USAGE}"
        )
    if kind is Kind.WEEKLY:
        if days is None:
            days = DEFAULT_WEEKLY_DAY
        elif len(_weekday_numbers(days)) != 1:
            raise ScheduleError(f"A weekly digest posts on one day: give one, like fri. {USAGE}")
    schedule = Schedule(
        post_time=post_time if post_time is not None else DEFAULT_TIME,
        timezone=zone or canonical_zone(default_tz) or "UTC",
        days=days or DEFAULT_DAYS,
    )
    return SubscriptionSpec(kind, schedule, tags)


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
    words = {**_DAY_WORDS, **_WEEKDAY_WORDS, "new": "new", "weekly": "weekly"}
    days = difflib.get_close_matches(word.lower(), list(words), n=1)
    if days:
        hint = f" Did you mean {words[days[0]]}?"
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


def next_post(spec: SubscriptionSpec, now: dt.datetime) -> dt.datetime | None:
    """When the subscription next posts, in UTC; None for `new` (at the next sweep after
    a brief is published, so there is no time to show)."""
    if spec.kind is Kind.NEW:
        return None
    return next_post_time(spec.schedule, now)


def iso_week(local_date: dt.date) -> str:
    """The ISO week a date belongs to, as the ledger keys weekly digests: "2026-W48"."""
    year, week, _ = local_date.isocalendar()
    return f"{year}-W{week:02d}"


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
