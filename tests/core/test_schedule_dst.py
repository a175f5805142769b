"""Daylight-saving changes: a skipped local time posts once at the end of the gap, a
repeated one posts once at its first occurrence; every other time is unaffected."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.schedule import Schedule, due_posts, next_post_time, post_instant, post_times

UTC = dt.UTC
NEW_YORK = "America/New_York"
HELSINKI = "Europe/Helsinki"

# 2024 transitions: New York springs forward 02:00 -> 03:00 on 10 March and falls back
# 02:00 -> 01:00 on 3 November; Helsinki 03:00 -> 04:00 on 31 March, 04:00 -> 03:00 on
# 27 October. All four are Sundays, so these tests use daily schedules.
NY_SPRING = dt.date(2024, 3, 10)
NY_FALL = dt.date(2024, 11, 3)
HEL_SPRING = dt.date(2024, 3, 31)
HEL_FALL = dt.date(2024, 10, 27)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def every_minute_sweep(schedule: Schedule, start: dt.datetime, hours: int) -> list[dt.date]:
    """The local dates due_posts reports when swept once a minute, each sweep looking back
    one minute: how the bot sees the day when it never stops."""
    reported = []
    for minute in range(1, hours * 60 + 1):
        now = start + dt.timedelta(minutes=minute)
        reported += [day for day, _ in due_posts(schedule, now, dt.timedelta(minutes=1))]
    return reported


@pytest.mark.parametrize(
    ("zone", "day", "wall", "expected_utc", "expected_local"),
    [
        (NEW_YORK, NY_SPRING, dt.time(2, 30), utc(2024, 3, 10, 7, 0), dt.time(3, 0)),
        (NEW_YORK, NY_SPRING, dt.time(2, 0), utc(2024, 3, 10, 7, 0), dt.time(3, 0)),
        (HELSINKI, HEL_SPRING, dt.time(3, 30), utc(2024, 3, 31, 1, 0), dt.time(4, 0)),
    ],
)
def test_time_in_spring_gap_posts_when_the_gap_ends(
    zone: str, day: dt.date, wall: dt.time, expected_utc: dt.datetime, expected_local: dt.time
) -> None:
    """A wall time that does not exist that day resolves to the first valid time after it."""
    at = post_instant(Schedule(wall, zone, "daily"), day)
    assert at == expected_utc
    assert at.astimezone(ZoneInfo(zone)).time() == expected_local


@pytest.mark.parametrize(
    ("zone", "day", "wall", "expected_utc"),
    [
        # 01:30 happens at 05:30 UTC (EDT) and again at 06:30 UTC (EST).
        (NEW_YORK, NY_FALL, dt.time(1, 30), utc(2024, 11, 3, 5, 30)),
        # 03:30 happens at 00:30 UTC (EEST) and again at 01:30 UTC (EET).
        (HELSINKI, HEL_FALL, dt.time(3, 30), utc(2024, 10, 27, 0, 30)),
    ],
)
def test_time_repeated_in_autumn_posts_at_its_first_occurrence(
    zone: str, day: dt.date, wall: dt.time, expected_utc: dt.datetime
) -> None:
    """A wall time that occurs twice resolves to the earlier instant."""
    assert post_instant(Schedule(wall, zone, "daily"), day) == expected_utc


@pytest.mark.parametrize(
    ("zone", "day", "wall"),
    [
        (NEW_YORK, NY_SPRING, dt.time(2, 30)),
        (NEW_YORK, NY_FALL, dt.time(1, 30)),
        (HELSINKI, HEL_SPRING, dt.time(3, 30)),
        (HELSINKI, HEL_FALL, dt.time(3, 30)),
    ],
)
def test_transition_day_is_reported_due_exactly_once(
    zone: str, day: dt.date, wall: dt.time
) -> None:
    """Sweeping every minute through a transition night reports that date once."""
    schedule = Schedule(wall, zone, "daily")
    midnight = dt.datetime.combine(day, dt.time(0), tzinfo=ZoneInfo(zone))
    assert every_minute_sweep(schedule, midnight, hours=6) == [day]


def test_days_around_transitions_keep_their_ordinary_times() -> None:
    """09:00 New York is 14:00 UTC before the spring change and 13:00 UTC from that day."""
    schedule = Schedule(dt.time(9), NEW_YORK, "daily")
    week = post_times(schedule, utc(2024, 3, 8, 12, 0), utc(2024, 3, 12, 0, 0))
    assert week == [
        (dt.date(2024, 3, 8), utc(2024, 3, 8, 14, 0)),
        (dt.date(2024, 3, 9), utc(2024, 3, 9, 14, 0)),
        (NY_SPRING, utc(2024, 3, 10, 13, 0)),
        (dt.date(2024, 3, 11), utc(2024, 3, 11, 13, 0)),
    ]


def test_posts_on_the_fall_back_day_stay_a_day_apart_in_local_time() -> None:
    """Across the 25-hour day, 01:30 posts once on each date, the day after at 01:30 EST."""
    schedule = Schedule(dt.time(1, 30), NEW_YORK, "daily")
    posts = post_times(schedule, utc(2024, 11, 2, 0, 0), utc(2024, 11, 5, 0, 0))
    assert [day for day, _ in posts] == [dt.date(2024, 11, 2), NY_FALL, dt.date(2024, 11, 4)]
    assert posts[2][1] == utc(2024, 11, 4, 6, 30)


def test_next_post_time_across_spring_gap() -> None:
    """Just before a skipped 02:30, the next post is 03:00 local; then 02:30 the day after."""
    schedule = Schedule(dt.time(2, 30), NEW_YORK, "daily")
    first = next_post_time(schedule, utc(2024, 3, 10, 5, 0))
    assert first == utc(2024, 3, 10, 7, 0)
    assert next_post_time(schedule, first) == utc(2024, 3, 11, 6, 30)


def test_zone_that_skipped_a_whole_date_posts_once() -> None:
    """Samoa skipped 30 December 2011 entirely; its midnight post still goes out once."""
    schedule = Schedule(dt.time(0, 0), "Pacific/Apia", "daily")
    posts = post_times(schedule, utc(2011, 12, 29, 0, 0), utc(2011, 12, 31, 12, 0))
    instants = [at for _, at in posts]
    assert len(instants) == len(set(instants))
    assert dt.date(2011, 12, 31) in [day for day, _ in posts]
