"""The sweep with frozen clocks: the right local hour in every zone, weekdays vs daily,
both daylight-saving changes, and downtime inside and past the catch-up window.
Posts are checked on the local Slack, the ledger in a real SQLite store."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from typing import TYPE_CHECKING

import pytest

from bot.store import DeliveryKey, DeliveryState

if TYPE_CHECKING:
    from tests.support.daily import DailyWorld

pytest_plugins = ("tests.support.daily", "tests.support.databases")

MINUTE = dt.timedelta(minutes=1)
SPRING = dt.datetime(2024, 3, 9, tzinfo=dt.UTC)
"""A creation time for subscriptions followed across the 2024 daylight-saving changes."""


def local(zone: str, year: int, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A wall-clock time in `zone` (the first of a repeated hour)."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=zoneinfo.ZoneInfo(zone))


def sweep_every(
    world: DailyWorld, start: dt.datetime, end: dt.datetime, step: dt.timedelta
) -> list[dt.datetime]:
    """Sweep at each step from start to end (UTC arithmetic, as the clock ticks)."""
    at = start.astimezone(dt.UTC)
    times = []
    while at <= end:
        world.sweep(at)
        times.append(at)
        at += step
    return times


@pytest.mark.parametrize(
    ("zone", "wall", "utc"),
    [
        # Monday 6 May 2024: New York is UTC-4, Helsinki UTC+3, Kolkata UTC+5:30.
        ("America/New_York", "08:30", dt.datetime(2024, 5, 6, 12, 30, tzinfo=dt.UTC)),
        ("Europe/Helsinki", "09:00", dt.datetime(2024, 5, 6, 6, 0, tzinfo=dt.UTC)),
        ("Asia/Kolkata", "09:15", dt.datetime(2024, 5, 6, 3, 45, tzinfo=dt.UTC)),
    ],
)
def test_posts_once_at_the_local_time_of_each_zone(
    daily: DailyWorld, zone: str, wall: str, utc: dt.datetime
) -> None:
    """Nothing a minute early; one post at the channel's local time; later sweeps add none."""
    daily.subscribe("C0ZONE", wall, zone)
    assert daily.sweep(utc - MINUTE).posted == []
    report = daily.sweep(utc)
    assert [e.channel_id for e in report.posted] == ["C0ZONE"]
    sweep_every(daily, utc + MINUTE, utc + dt.timedelta(hours=5), dt.timedelta(minutes=20))
    posts = daily.daily_posts("C0ZONE")
    assert len(posts) == 1
    assert posts[0]["metadata"]["event_payload"]["local_date"] == "2024-05-06"
    row = daily.store.delivery(DeliveryKey.daily("C0ZONE", dt.date(2024, 5, 6)))
    assert (
        row is not None and row.state == DeliveryState.POSTED and row.message_ts == posts[0]["ts"]
    )


def test_weekdays_skip_the_weekend_and_daily_does_not(daily: DailyWorld) -> None:
    """Over Friday to Monday a weekdays channel gets Fri and Mon, a daily one all four."""
    since = local("Europe/Helsinki", 2024, 5, 3, 8, 0)
    daily.subscribe("C0WEEKDAYS", "09:00", "Europe/Helsinki", "weekdays", since=since)
    daily.subscribe("C0DAILY", "09:00", "Europe/Helsinki", "daily", since=since)
    friday = local("Europe/Helsinki", 2024, 5, 3, 9, 0)
    for offset in range(4):
        day = friday + dt.timedelta(days=offset)
        daily.sweep(day + dt.timedelta(seconds=30))
        daily.sweep(day + dt.timedelta(hours=1))

    def dates(channel: str) -> list[str]:
        return [m["metadata"]["event_payload"]["local_date"] for m in daily.daily_posts(channel)]

    assert dates("C0WEEKDAYS") == ["2024-05-03", "2024-05-06"]
    assert dates("C0DAILY") == ["2024-05-03", "2024-05-04", "2024-05-05", "2024-05-06"]


def test_every_channel_gets_the_same_brief_on_a_date(daily: DailyWorld) -> None:
    """Channels in different zones post the day's one featured pick, the one /brief shows."""
    daily.subscribe("C0A", "09:00", "Europe/Helsinki", "daily")
    daily.subscribe("C0B", "08:00", "America/New_York", "daily")
    daily.sweep(local("Europe/Helsinki", 2024, 5, 6, 9, 1))
    daily.sweep(local("America/New_York", 2024, 5, 6, 8, 1))
    picked = daily.store.featured_pick(dt.date(2024, 5, 6))
    assert picked is not None
    briefs = {m["metadata"]["event_payload"]["brief_id"] for m in daily.daily_posts()}
    assert briefs == {picked.brief_id}
    assert len(daily.daily_posts()) == 2


def test_spring_forward_gap_posts_once_when_the_gap_ends(daily: DailyWorld) -> None:
    """02:30 does not exist in New York on 10 March 2024: one post, at 03:00 EDT (07:00 UTC)."""
    daily.subscribe("C0GAP", "02:30", "America/New_York", "daily", since=SPRING)
    start = local("America/New_York", 2024, 3, 10, 1, 40)  # EST
    sweep_every(daily, start, start + dt.timedelta(hours=2), dt.timedelta(minutes=5))
    (post,) = daily.daily_posts("C0GAP")
    assert post["metadata"]["event_payload"]["local_date"] == "2024-03-10"
    row = daily.store.delivery(DeliveryKey.daily("C0GAP", dt.date(2024, 3, 10)))
    assert row is not None and row.state == DeliveryState.POSTED
    # Posted by the first sweep at or after 07:00 UTC, the end of the gap.
    assert row.updated_at == dt.datetime(2024, 3, 10, 7, 0, tzinfo=dt.UTC)


def test_fall_back_repeated_hour_posts_once_at_its_first_occurrence(daily: DailyWorld) -> None:
    """01:30 happens twice in New York on 3 November 2024: one post, at 01:30 EDT."""
    daily.subscribe("C0FOLD", "01:30", "America/New_York", "daily", since=SPRING)
    start = local("America/New_York", 2024, 11, 3, 0, 50)  # EDT
    sweep_every(daily, start, start + dt.timedelta(hours=3), dt.timedelta(minutes=10))
    (post,) = daily.daily_posts("C0FOLD")
    row = daily.store.delivery(DeliveryKey.daily("C0FOLD", dt.date(2024, 11, 3)))
    assert row is not None and row.updated_at == dt.datetime(2024, 11, 3, 5, 30, tzinfo=dt.UTC)
    assert post["metadata"]["event_payload"]["local_date"] == "2024-11-03"


def test_helsinki_changes_post_once_each(daily: DailyWorld) -> None:
    """Helsinki's 03:30 is skipped on 31 March and repeated on 27 October 2024: one post each."""
    daily.subscribe("C0HEL", "03:30", "Europe/Helsinki", "daily", since=SPRING)
    for day in (dt.date(2024, 3, 31), dt.date(2024, 10, 27)):
        start = dt.datetime.combine(day, dt.time(0, 0), tzinfo=dt.UTC)
        sweep_every(daily, start, start + dt.timedelta(hours=3), dt.timedelta(minutes=15))
    dates = [m["metadata"]["event_payload"]["local_date"] for m in daily.daily_posts("C0HEL")]
    assert dates == ["2024-03-31", "2024-10-27"]


def test_downtime_inside_the_catch_up_window_posts_on_return(daily: DailyWorld) -> None:
    """Back 2h59m after the post time (window 3h): the post goes out once, late."""
    daily.subscribe("C0LATE", "09:00", "Europe/Helsinki")
    back = local("Europe/Helsinki", 2024, 5, 6, 11, 59)
    report = daily.sweep(back)
    assert [e.channel_id for e in report.posted] == ["C0LATE"]
    daily.sweep(back + dt.timedelta(hours=2))
    assert len(daily.daily_posts("C0LATE")) == 1


def test_downtime_past_the_window_skips_logs_and_never_posts(
    daily: DailyWorld, caplog: pytest.LogCaptureFixture
) -> None:
    """Back 3h01m late: no post, a skipped ledger row with the reason, a warning in the log."""
    since = local("Europe/Helsinki", 2024, 5, 6, 7, 0)
    daily.subscribe("C0MISSED", "09:00", "Europe/Helsinki", since=since)
    with caplog.at_level(logging.WARNING, logger="briefbot.daily"):
        report = daily.sweep(local("Europe/Helsinki", 2024, 5, 6, 12, 1))
    assert daily.daily_posts() == []
    assert [(e.channel_id, e.local_date) for e in report.skipped] == [
        ("C0MISSED", dt.date(2024, 5, 6))
    ]
    row = daily.store.delivery(DeliveryKey.daily("C0MISSED", dt.date(2024, 5, 6)))
    assert row is not None and row.state == DeliveryState.SKIPPED
    assert row.error is not None and "catch-up window is 3h" in row.error
    assert any("skipped" in r.getMessage() and "C0MISSED" in r.getMessage() for r in caplog.records)
    # No brief was chosen for a day nobody saw, so it stays unfeatured for later days.
    assert daily.store.featured_pick(dt.date(2024, 5, 6)) is None
    # Later sweeps neither post it nor log it again.
    caplog.clear()
    daily.sweep(local("Europe/Helsinki", 2024, 5, 6, 12, 30))
    assert daily.daily_posts() == [] and not any("skipped" in r.message for r in caplog.records)


def test_days_of_downtime_skip_old_days_and_post_today(daily: DailyWorld) -> None:
    """Down from Thursday to Monday 10:00: Thu and Fri are skipped, Monday's post goes out."""
    daily.subscribe(
        "C0AWAY", "09:00", "Europe/Helsinki", since=dt.datetime(2024, 4, 1, tzinfo=dt.UTC)
    )
    daily.sweep(local("Europe/Helsinki", 2024, 5, 1, 9, 5))  # Wednesday, posted
    report = daily.sweep(local("Europe/Helsinki", 2024, 5, 6, 10, 0))
    assert sorted(e.local_date.isoformat() for e in report.skipped) == ["2024-05-02", "2024-05-03"]
    dates = [m["metadata"]["event_payload"]["local_date"] for m in daily.daily_posts("C0AWAY")]
    assert dates == ["2024-05-01", "2024-05-06"]


def test_a_new_subscription_never_posts_for_a_time_already_past(daily: DailyWorld) -> None:
    """Subscribed at 09:30 for 09:00: nothing today (not even as a skip), first post tomorrow."""
    now = local("Europe/Helsinki", 2024, 5, 6, 9, 30)
    daily.subscribe("C0NEW", "09:00", "Europe/Helsinki", since=now)
    report = daily.sweep(now + MINUTE)
    assert report.posted == [] and report.skipped == []
    daily.sweep(local("Europe/Helsinki", 2024, 5, 6, 13, 0))
    assert daily.store.deliveries(channel_id="C0NEW") == []
    daily.sweep(local("Europe/Helsinki", 2024, 5, 7, 9, 0))
    assert len(daily.daily_posts("C0NEW")) == 1


def test_daily_post_is_the_brief_message_with_unfurls_off_and_recorded(daily: DailyWorld) -> None:
    """The post is the daily brief message (header, "Related briefs"), unfurls off, and is
    recorded so a "Related briefs" click on it finds its brief."""
    daily.subscribe("C0MSG", "09:00", "Europe/Helsinki")
    daily.sweep(local("Europe/Helsinki", 2024, 5, 6, 9, 0))
    (post,) = daily.daily_posts("C0MSG")
    assert post["unfurl_links"] is False and post["unfurl_media"] is False
    assert post["blocks"][0]["type"] == "header"
    assert "Today's featured brief" in post["text"]
    assert any(
        element.get("action_id") == "related_briefs"
        for block in post["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    )
    brief_id = post["metadata"]["event_payload"]["brief_id"]
    assert daily.store.brief_for_message("C0MSG", post["ts"]) == brief_id


def test_paused_channels_are_left_alone(daily: DailyWorld) -> None:
    """A paused subscription gets no post and no ledger row."""
    daily.subscribe("C0PAUSED", "09:00", "Europe/Helsinki")
    daily.store.pause("C0PAUSED", "test")
    daily.sweep(local("Europe/Helsinki", 2024, 5, 6, 9, 1))
    assert daily.daily_posts() == [] and daily.store.deliveries() == []
