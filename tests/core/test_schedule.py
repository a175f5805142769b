"""Daily schedules: parsing /brief subscribe, next post times, weekdays and time zones."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.schedule import (
    Schedule,
    ScheduleError,
    next_post_time,
    parse_subscription,
    parse_time,
    post_times,
)

UTC = dt.UTC
NEW_YORK = "America/New_York"
HELSINKI = "Europe/Helsinki"
KOLKATA = "Asia/Kolkata"


def daily_schedule(text: str, default_tz: str) -> Schedule:
    """The daily schedule `/brief subscribe TEXT` asks for."""
    return parse_subscription(text, default_tz).schedule


def local(zone: str, *args: int, fold: int = 0) -> dt.datetime:
    """An aware datetime on a local wall clock."""
    return dt.datetime(*args, tzinfo=ZoneInfo(zone), fold=fold)  # type: ignore[misc]


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# --- parsing ---------------------------------------------------------------------------


def test_empty_args_give_the_defaults() -> None:
    """No arguments: 09:00 on weekdays in the default zone."""
    assert daily_schedule("", HELSINKI) == Schedule(dt.time(9, 0), HELSINKI, "weekdays")


@pytest.mark.parametrize(
    "text",
    ["07:05 daily Asia/Kolkata", "daily Asia/Kolkata 7:05", "asia/kolkata DAILY 07:05"],
)
def test_arguments_in_any_order_and_case(text: str) -> None:
    """Time, days and zone may come in any order, zone and days in any case."""
    assert daily_schedule(text, "UTC") == Schedule(dt.time(7, 5), KOLKATA, "daily")


def test_each_argument_alone_keeps_the_other_defaults() -> None:
    """Giving only one argument leaves the others at their defaults."""
    assert daily_schedule("17:30", NEW_YORK) == Schedule(dt.time(17, 30), NEW_YORK)
    assert daily_schedule("daily", NEW_YORK) == Schedule(dt.time(9), NEW_YORK, "daily")
    assert daily_schedule("Europe/Helsinki", NEW_YORK) == Schedule(dt.time(9), HELSINKI)
    assert daily_schedule("UTC", NEW_YORK) == Schedule(dt.time(9), "UTC")


@pytest.mark.parametrize(
    ("word", "expected"),
    [("9am", dt.time(9)), ("5:30pm", dt.time(17, 30)), ("12am", dt.time(0)), ("0:00", dt.time(0))],
)
def test_twelve_hour_times_are_understood(word: str, expected: dt.time) -> None:
    """9am, 5:30pm and 12am are read as 24-hour times."""
    assert parse_time(word) == expected


@pytest.mark.parametrize("word", ["25:00", "24:00", "9.30", "9:60", "930", "13pm", "9h", "7:5"])
def test_bad_times_say_how_to_write_one(word: str) -> None:
    """A malformed or out-of-range time is refused with the HH:MM format to use."""
    with pytest.raises(ScheduleError) as raised:
        daily_schedule(f"{word} daily", "UTC")
    assert f"“{word}”" in str(raised.value)
    assert "HH:MM" in str(raised.value)
    assert "/brief subscribe" in str(raised.value)


def test_unknown_zone_suggests_the_closest_real_one() -> None:
    """A misspelt zone is refused with a did-you-mean from the tz database."""
    with pytest.raises(ScheduleError) as raised:
        daily_schedule("09:00 Europe/Helsinky", "UTC")
    message = str(raised.value)
    assert "“Europe/Helsinky”" in message
    assert "Did you mean Europe/Helsinki" in message


def test_unknown_zone_city_is_matched_in_another_area() -> None:
    """A real city under the wrong area is suggested under its right one."""
    with pytest.raises(ScheduleError, match="America/New_York"):
        daily_schedule("Europe/New_York", "UTC")


def test_bare_city_is_refused_with_its_zone_suggested() -> None:
    """A city without its area is an unknown word, with the full zone name suggested."""
    with pytest.raises(ScheduleError) as raised:
        daily_schedule("Helsinki", "UTC")
    assert "“Helsinki”" in str(raised.value)
    assert "Europe/Helsinki" in str(raised.value)


def test_unknown_word_suggests_the_days_keyword() -> None:
    """A misspelt days keyword is refused with the right one suggested."""
    with pytest.raises(ScheduleError, match="Did you mean weekdays"):
        daily_schedule("weekdyas", "UTC")


@pytest.mark.parametrize("text", ["09:00 10:00", "daily weekdays", "UTC Europe/Helsinki"])
def test_an_argument_given_twice_is_refused(text: str) -> None:
    """Two times, two day keywords or two zones are refused rather than one picked."""
    with pytest.raises(ScheduleError, match="only"):
        daily_schedule(text, "UTC")


def test_unknown_default_zone_falls_back_to_utc() -> None:
    """A default zone that is not real gives UTC rather than an error the user cannot fix."""
    assert daily_schedule("", "Nowhere/Special").timezone == "UTC"


def test_schedule_errors_are_value_errors() -> None:
    """Callers catching ValueError catch schedule errors too."""
    assert issubclass(ScheduleError, ValueError)


def test_schedule_refuses_an_unknown_zone_and_round_trips_its_text() -> None:
    """Schedules validate their zone and rebuild from their stored form."""
    with pytest.raises(ScheduleError):
        Schedule(dt.time(9), "Mars/Olympus_Mons")
    schedule = Schedule(dt.time(7, 5), KOLKATA, "daily")
    assert Schedule.from_text(schedule.time_text, KOLKATA, "daily") == schedule
    assert schedule.describe() == "07:05 every day (Asia/Kolkata)"


# --- next post time --------------------------------------------------------------------


def test_weekdays_skip_the_weekend() -> None:
    """After Friday's post a weekdays schedule posts next on Monday."""
    schedule = Schedule(dt.time(9), NEW_YORK, "weekdays")
    friday_after = local(NEW_YORK, 2024, 6, 7, 10, 0)
    assert next_post_time(schedule, friday_after) == local(NEW_YORK, 2024, 6, 10, 9, 0)


def test_daily_posts_on_the_weekend() -> None:
    """After Friday's post a daily schedule posts next on Saturday."""
    schedule = Schedule(dt.time(9), NEW_YORK, "daily")
    friday_after = local(NEW_YORK, 2024, 6, 7, 10, 0)
    assert next_post_time(schedule, friday_after) == local(NEW_YORK, 2024, 6, 8, 9, 0)


def test_next_post_time_is_strictly_after_and_in_utc() -> None:
    """At the very post instant, the next post is the following day's, given in UTC."""
    schedule = Schedule(dt.time(9), HELSINKI, "daily")
    at_post = local(HELSINKI, 2024, 1, 15, 9, 0)
    following = next_post_time(schedule, at_post)
    assert following == utc(2024, 1, 16, 7, 0)
    assert following.tzinfo is UTC
    assert next_post_time(schedule, at_post - dt.timedelta(seconds=1)) == at_post


def test_helsinki_offset_follows_summer_time() -> None:
    """09:00 in Helsinki is 07:00 UTC in winter and 06:00 UTC in summer."""
    schedule = Schedule(dt.time(9), HELSINKI, "daily")
    assert next_post_time(schedule, utc(2024, 1, 15, 0, 0)) == utc(2024, 1, 15, 7, 0)
    assert next_post_time(schedule, utc(2024, 7, 15, 0, 0)) == utc(2024, 7, 15, 6, 0)


def test_kolkata_half_hour_offset() -> None:
    """09:00 in Kolkata (UTC+05:30, no DST) is 03:30 UTC all year."""
    schedule = Schedule(dt.time(9), KOLKATA, "daily")
    assert next_post_time(schedule, utc(2024, 1, 15, 0, 0)) == utc(2024, 1, 15, 3, 30)
    assert next_post_time(schedule, utc(2024, 7, 15, 0, 0)) == utc(2024, 7, 15, 3, 30)


def test_weekday_is_decided_in_the_channel_zone_not_utc() -> None:
    """Monday 03:00 in Kolkata (still Sunday in UTC) posts; Friday 21:00 in New York
    (already Saturday in UTC) posts; Sunday 23:00 in New York (Monday in UTC) does not."""
    early = Schedule(dt.time(3), KOLKATA, "weekdays")
    assert next_post_time(early, utc(2024, 6, 9, 12, 0)) == utc(2024, 6, 9, 21, 30)

    late = Schedule(dt.time(21), NEW_YORK, "weekdays")
    assert next_post_time(late, utc(2024, 6, 7, 20, 0)) == utc(2024, 6, 8, 1, 0)

    sunday_late = Schedule(dt.time(23), NEW_YORK, "weekdays")
    saturday = local(NEW_YORK, 2024, 6, 8, 12, 0)
    assert next_post_time(sunday_late, saturday) == local(NEW_YORK, 2024, 6, 10, 23, 0)


def test_naive_datetimes_are_refused() -> None:
    """A naive `after` is a programming error, reported rather than guessed at."""
    with pytest.raises(ValueError, match="timezone-aware"):
        next_post_time(Schedule(dt.time(9), "UTC"), dt.datetime(2024, 1, 1))


ZONES = [NEW_YORK, HELSINKI, KOLKATA, "UTC", "Australia/Lord_Howe", "America/Sao_Paulo"]


@settings(deadline=None)  # no timing assertions: correctness only
@given(
    zone=st.sampled_from(ZONES),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 15, 30, 45, 59]),
    days=st.sampled_from(["weekdays", "daily"]),
    after=st.datetimes(
        min_value=dt.datetime(2000, 1, 1),
        max_value=dt.datetime(2035, 12, 31),
        timezones=st.just(UTC),
    ),
)
def test_next_post_time_is_the_first_post_after(
    zone: str, hour: int, minute: int, days: str, after: dt.datetime
) -> None:
    """For any schedule and instant, the next post is later, on a posting day, and no
    other post lies between."""
    schedule = Schedule(dt.time(hour, minute), zone, days)  # type: ignore[arg-type]
    following = next_post_time(schedule, after)
    assert following > after
    between = post_times(schedule, after, following)
    assert [at for _, at in between] == [following]
    local_day = between[0][0]
    assert days == "daily" or local_day.weekday() < 5
    # The post is at the chosen wall time, or at the end of a DST gap that swallowed it.
    wall = following.astimezone(ZoneInfo(zone))
    just_before = (following - dt.timedelta(seconds=1)).astimezone(ZoneInfo(zone))
    assert wall.time() == schedule.post_time or wall.utcoffset() != just_before.utcoffset()
