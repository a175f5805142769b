"""Waking hours and reading a snooze (bot/snooze.py): pure rules, the person's own zone."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from bot.snooze import SnoozeError, in_waking_hours, next_waking, parse_snooze

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def test_waking_hours_are_8_to_20_in_the_persons_zone() -> None:
    at = dt.datetime(2024, 5, 6, 7, 59, tzinfo=TOKYO)
    assert not in_waking_hours(at, "Asia/Tokyo")
    assert in_waking_hours(at + dt.timedelta(minutes=1), "Asia/Tokyo")
    assert in_waking_hours(dt.datetime(2024, 5, 6, 19, 59, tzinfo=TOKYO), "Asia/Tokyo")
    assert not in_waking_hours(dt.datetime(2024, 5, 6, 20, 0, tzinfo=TOKYO), "Asia/Tokyo")


def test_the_next_waking_moment_is_8_local_after_a_night_and_across_dst() -> None:
    late = dt.datetime(2024, 5, 6, 22, 0, tzinfo=TOKYO)
    assert next_waking(late, "Asia/Tokyo") == dt.datetime(2024, 5, 7, 8, 0, tzinfo=TOKYO)
    early = dt.datetime(2024, 5, 6, 3, 0, tzinfo=TOKYO)
    assert next_waking(early, "Asia/Tokyo") == dt.datetime(2024, 5, 6, 8, 0, tzinfo=TOKYO)
    awake = dt.datetime(2024, 5, 6, 12, 0, tzinfo=TOKYO)
    assert next_waking(awake, "Asia/Tokyo") == awake
    # The night clocks go forward in New York: 08:00 EDT is 12:00 UTC, not 13:00.
    night = dt.datetime(2024, 3, 9, 23, 0, tzinfo=NEW_YORK)
    assert next_waking(night, "America/New_York") == dt.datetime(2024, 3, 10, 12, 0, tzinfo=dt.UTC)


NOW = dt.datetime(2024, 5, 6, 3, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("typed", "span"),
    [
        ("1w", dt.timedelta(weeks=1)),
        ("2 weeks", dt.timedelta(weeks=2)),
        ("3d", dt.timedelta(days=3)),
        ("12h", dt.timedelta(hours=12)),
        (" 1 Day ", dt.timedelta(days=1)),
        ("90d", dt.timedelta(days=90)),
    ],
)
def test_spans(typed: str, span: dt.timedelta) -> None:
    assert parse_snooze(typed, NOW, "Asia/Tokyo") == NOW + span


def test_a_date_ends_at_the_start_of_that_day_in_the_persons_zone() -> None:
    until = parse_snooze("2024-05-24", NOW, "Asia/Tokyo")
    assert until == dt.datetime(2024, 5, 24, 0, 0, tzinfo=TOKYO)


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("", "Say for how long"),
        ("91d", "from 1 to 90"),
        ("13w", "from 1 to 12"),
        ("²w", "digits 0-9"),
        ("1 fortnight", "can't read"),
        ("2024-13-01", "is not a date"),
        ("2024-05-06", "has begun already"),
        ("2024-09-01", "at most 90 days"),
    ],
)
def test_what_cannot_be_read_says_what_to_type(typed: str, says: str) -> None:
    with pytest.raises(SnoozeError) as raised:
        parse_snooze(typed, NOW, "Asia/Tokyo")
    assert says in str(raised.value) and "/brief snooze 1w" in str(raised.value)
