"""After downtime: posts missed by less than the catch-up window are due once, older
ones are skipped; new subscriptions never post for times before they existed."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.schedule import Schedule, due_posts, skipped_posts

HELSINKI = "Europe/Helsinki"
KOLKATA = "Asia/Kolkata"
CATCH_UP = dt.timedelta(hours=3)
# Wednesday 10 January 2024; Helsinki is UTC+2 in winter.
WEDNESDAY = dt.date(2024, 1, 10)


def helsinki(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZoneInfo(HELSINKI))


def days_before(day: dt.date, n: int) -> dt.date:
    return day - dt.timedelta(days=n)


SCHEDULE = Schedule(dt.time(9), HELSINKI, "weekdays")
POST = helsinki(WEDNESDAY, 9).astimezone(dt.UTC)


def test_on_time_sweep_finds_the_post() -> None:
    """A sweep one minute after the post time finds today's post due."""
    now = helsinki(WEDNESDAY, 9, 1)
    assert due_posts(SCHEDULE, now, CATCH_UP) == [(WEDNESDAY, POST)]


def test_sweep_before_the_post_time_finds_nothing() -> None:
    """Nothing is due before the post time."""
    assert due_posts(SCHEDULE, helsinki(WEDNESDAY, 8, 59), CATCH_UP) == []


def test_downtime_inside_the_window_still_posts() -> None:
    """Back 2h59m after the post time: the post is still due, and nothing is skipped."""
    now = helsinki(WEDNESDAY, 11, 59)
    assert due_posts(SCHEDULE, now, CATCH_UP) == [(WEDNESDAY, POST)]
    assert skipped_posts(SCHEDULE, now, CATCH_UP, since=helsinki(WEDNESDAY, 0)) == []


def test_downtime_past_the_window_skips_the_post() -> None:
    """Back 3h01m after the post time: the post is no longer due but reported skipped."""
    now = helsinki(WEDNESDAY, 12, 1)
    assert due_posts(SCHEDULE, now, CATCH_UP) == []
    assert skipped_posts(SCHEDULE, now, CATCH_UP, since=helsinki(WEDNESDAY, 0)) == [
        (WEDNESDAY, POST)
    ]


def test_window_boundary_belongs_to_skipped() -> None:
    """Missed by exactly the window: skipped, never both due and skipped."""
    now = POST + CATCH_UP
    assert due_posts(SCHEDULE, now, CATCH_UP) == []
    assert skipped_posts(SCHEDULE, now, CATCH_UP, since=POST - dt.timedelta(days=1)) == [
        (WEDNESDAY, POST)
    ]


def test_multi_day_downtime_posts_today_and_skips_the_rest() -> None:
    """Down from Monday 08:00 to Wednesday 10:00: Wednesday's post is due, Monday's and
    Tuesday's are skipped."""
    monday = days_before(WEDNESDAY, 2)
    tuesday = days_before(WEDNESDAY, 1)
    now = helsinki(WEDNESDAY, 10)
    assert [day for day, _ in due_posts(SCHEDULE, now, CATCH_UP)] == [WEDNESDAY]
    skipped = skipped_posts(SCHEDULE, now, CATCH_UP, since=helsinki(monday, 8))
    assert [day for day, _ in skipped] == [monday, tuesday]


def test_weekend_downtime_skips_no_weekday_schedule_posts() -> None:
    """Down over the weekend: a weekdays schedule has nothing skipped, a daily one has."""
    friday_evening = helsinki(dt.date(2024, 1, 12), 18)
    monday_early = helsinki(dt.date(2024, 1, 15), 7)
    assert skipped_posts(SCHEDULE, monday_early, CATCH_UP, since=friday_evening) == []
    daily = Schedule(dt.time(9), HELSINKI, "daily")
    skipped = skipped_posts(daily, monday_early, CATCH_UP, since=friday_evening)
    assert [day for day, _ in skipped] == [dt.date(2024, 1, 13), dt.date(2024, 1, 14)]


def test_new_subscription_does_not_post_for_a_time_already_past() -> None:
    """Subscribing at 10:00 to a 09:00 schedule posts tomorrow, not at once."""
    subscribed = helsinki(WEDNESDAY, 10)
    now = helsinki(WEDNESDAY, 10, 1)
    assert due_posts(SCHEDULE, now, CATCH_UP, not_before=subscribed) == []
    tomorrow = helsinki(days_before(WEDNESDAY, -1), 9, 1)
    assert [d for d, _ in due_posts(SCHEDULE, tomorrow, CATCH_UP, not_before=subscribed)] == [
        days_before(WEDNESDAY, -1)
    ]


def test_subscription_before_the_post_time_posts_today() -> None:
    """Subscribing at 08:00 to a 09:00 schedule posts at 09:00 the same day."""
    subscribed = helsinki(WEDNESDAY, 8)
    assert due_posts(SCHEDULE, helsinki(WEDNESDAY, 9), CATCH_UP, not_before=subscribed) == [
        (WEDNESDAY, POST)
    ]


def test_catch_up_across_utc_midnight_keeps_the_local_date() -> None:
    """A 04:00 Kolkata post (22:30 UTC the day before) is due under its Kolkata date."""
    schedule = Schedule(dt.time(4), KOLKATA, "daily")
    now = dt.datetime(2024, 1, 10, 0, 0, tzinfo=dt.UTC)
    assert due_posts(schedule, now, CATCH_UP) == [
        (dt.date(2024, 1, 10), dt.datetime(2024, 1, 9, 22, 30, tzinfo=dt.UTC))
    ]


def test_zero_window_never_catches_up_and_negative_is_refused() -> None:
    """A zero window finds nothing due; a negative one is an error."""
    assert due_posts(SCHEDULE, POST, dt.timedelta(0)) == []
    with pytest.raises(ValueError, match="negative"):
        due_posts(SCHEDULE, POST, dt.timedelta(minutes=-1))
