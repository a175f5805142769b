"""What channels get besides the daily brief, on SQLite and PostgreSQL: new briefs as
published (once, with the flood guard), weekly digests, listed days and tags, all through
the exactly-once ledger."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter
from typing import TYPE_CHECKING

from bot.content.live import LiveContent
from bot.daily.sweep import Sweeper
from bot.schedule import Kind
from bot.services import Services
from bot.store import DeliveryKey, DeliveryKind, DeliveryState
from tests.support.kinds import add_briefs, announced, posts, subscribe_kind

if TYPE_CHECKING:
    from tests.support.daily import DailyWorld

pytest_plugins = ("tests.support.daily", "tests.support.databases")

UTC = dt.UTC
MONDAY = dt.datetime(2024, 5, 6, 8, 0, tzinfo=UTC)


def _start(world: DailyWorld, *subscriptions: tuple[str, str]) -> None:
    """Subscribe, then sweep once so the briefs already there count as seen."""
    for channel, words in subscriptions:
        subscribe_kind(world, channel, words, since=MONDAY - dt.timedelta(days=1))
    world.sweep(MONDAY - dt.timedelta(hours=1))


def test_a_new_brief_is_announced_once_and_old_ones_never(daily_on: DailyWorld) -> None:
    """The briefs there before the subscription are never announced; one added later is
    announced once at the next sweep, not again at later sweeps."""
    world = daily_on
    _start(world, ("C0NEW", "new"))
    world.sweep(MONDAY)
    assert announced(world) == []
    world.clock.set(MONDAY + dt.timedelta(minutes=1))
    ids = add_briefs(world, MONDAY.date(), 1)
    world.sweep(MONDAY + dt.timedelta(minutes=2))
    world.sweep(MONDAY + dt.timedelta(minutes=3))
    world.sweep(MONDAY + dt.timedelta(days=1))
    assert announced(world) == [("C0NEW", ids[0])]


def test_a_brief_dated_in_the_future_waits_for_its_date(daily_on: DailyWorld) -> None:
    """A brief dated Wednesday, added on Monday, is announced on Wednesday (channel zone)."""
    world = daily_on
    _start(world, ("C0NEW", "new Europe/Helsinki"))
    world.clock.set(MONDAY)
    ids = add_briefs(world, dt.date(2024, 5, 8), 1, prefix="later")
    world.sweep(MONDAY + dt.timedelta(minutes=1))
    world.sweep(dt.datetime(2024, 5, 7, 20, 59, tzinfo=UTC))  # Tue 23:59 in Helsinki
    assert announced(world) == []
    world.sweep(dt.datetime(2024, 5, 7, 21, 1, tzinfo=UTC))  # Wed 00:01 in Helsinki
    assert announced(world) == [("C0NEW", ids[0])]


def test_fifty_new_briefs_give_three_posts_and_one_line_a_day(daily_on: DailyWorld) -> None:
    """A bulk of 50 new briefs: 3 announcements and one "and 47 more" line, once; the held
    ones are never announced on a later day either."""
    world = daily_on
    _start(world, ("C0NEW", "new"), ("C0TWO", "new"))
    world.clock.set(MONDAY)
    add_briefs(world, MONDAY.date(), 50, prefix="bulk")
    for minutes in (1, 2, 3):
        world.sweep(MONDAY + dt.timedelta(minutes=minutes))
    world.sweep(MONDAY + dt.timedelta(days=1))
    for channel in ("C0NEW", "C0TWO"):
        assert len(announced(world, channel)) == 3
        more = posts(world, "more", channel)
        assert len(more) == 1
        assert "47 more new briefs" in more[0]["text"] and "/brief latest" in more[0]["text"]
    held = world.store.deliveries(state=DeliveryState.SKIPPED, kind=DeliveryKind.NEW)
    assert len(held) == 2 * 47


def test_a_restart_between_reload_and_sweep_announces_nothing_twice(daily_on: DailyWorld) -> None:
    """A new brief reloaded in one process, then the bot restarts (fresh content and
    sweeper) before and after the sweep: the brief is announced exactly once."""
    world = daily_on
    _start(world, ("C0NEW", "new"))
    world.clock.set(MONDAY)
    ids = add_briefs(world, MONDAY.date(), 2, prefix="fresh")
    for minutes in (1, 2, 3):
        restarted = Services(
            world.services.settings, LiveContent(world.content), world.store, now=world.clock
        )
        world.sweep(MONDAY + dt.timedelta(minutes=minutes), Sweeper(restarted, world.client()))
    assert sorted(announced(world)) == [("C0NEW", ids[0]), ("C0NEW", ids[1])]


def test_tags_pick_the_same_brief_for_the_same_tag_set(daily_on: DailyWorld) -> None:
    """Channels with the same tags get the same featured brief, carrying one of the tags;
    announcements carry only matching briefs."""
    world = daily_on
    _start(
        world,
        ("C0SEC1", "daily 09:00 tags:security,governance"),
        ("C0SEC2", "daily 09:00 tags:governance,security"),
        ("C0OTHER", "daily 09:00 tags:chips"),
        ("C0NEWSEC", "new tags:security"),
    )
    world.clock.set(MONDAY)
    add_briefs(world, MONDAY.date(), 2, prefix="sec", tags="security")
    add_briefs(world, MONDAY.date(), 2, prefix="chip", tags="chips")
    world.sweep(MONDAY + dt.timedelta(hours=1, minutes=1))
    world.sweep(MONDAY + dt.timedelta(hours=1, minutes=2))
    picked = {
        m["channel"]: m["metadata"]["event_payload"]["brief_id"] for m in posts(world, "daily")
    }
    assert picked["C0SEC1"] == picked["C0SEC2"] and picked["C0SEC1"].startswith("sec-")
    assert picked["C0OTHER"].startswith("chip-")
    assert sorted(b for _, b in announced(world, "C0NEWSEC")) == ["sec-000", "sec-001"]
    pick = world.store.featured_pick(MONDAY.date(), "governance,security")
    assert pick is not None and pick.brief_id == picked["C0SEC1"]


def test_the_weekly_digest_posts_once_a_week_and_nothing_in_an_empty_week(
    daily_on: DailyWorld,
) -> None:
    """Friday 16:00: the week's new briefs in one message, once; the next week had none,
    so its Friday posts nothing."""
    world = daily_on
    _start(world, ("C0WEEK", "weekly fri 16:00"))
    world.clock.set(MONDAY + dt.timedelta(days=1))
    ids = add_briefs(world, dt.date(2024, 5, 7), 3, prefix="week")
    world.sweep(MONDAY + dt.timedelta(days=1, minutes=1))  # the sweeps of the week see them
    friday = dt.datetime(2024, 5, 10, 16, 0, tzinfo=UTC)
    for minutes in (1, 2, 30):
        world.sweep(friday + dt.timedelta(minutes=minutes))
    digests = posts(world, "weekly")
    assert len(digests) == 1
    assert all(f"Week brief {n}" in digests[0]["text"] for n in range(3)), ids
    assert digests[0]["metadata"]["event_payload"]["slot"] == "2024-W19"
    world.sweep(friday + dt.timedelta(days=7, minutes=1))
    world.sweep(friday + dt.timedelta(days=7, minutes=2))
    assert len(posts(world, "weekly")) == 1


def test_listed_days_post_on_those_days_across_a_dst_change(daily_on: DailyWorld) -> None:
    """mon,wed,fri 09:30 in New York across the spring-forward Sunday (10 March 2024):
    Fri 8, Mon 11, Wed 13 at 09:30 local, each once; nothing on the other days."""
    world = daily_on
    new_york = zoneinfo.ZoneInfo("America/New_York")
    start = dt.datetime(2024, 3, 7, 12, 0, tzinfo=new_york)
    subscribe_kind(world, "C0MWF", "mon,wed,fri 09:30", since=start, zone="America/New_York")
    day = start.date()
    while day <= dt.date(2024, 3, 14):
        at = dt.datetime.combine(day, dt.time(9, 31), tzinfo=new_york)
        world.sweep(at)
        world.sweep(at + dt.timedelta(minutes=1))
        day += dt.timedelta(days=1)
    dates = Counter(m["metadata"]["event_payload"]["local_date"] for m in posts(world, "daily"))
    assert dates == Counter({"2024-03-08": 1, "2024-03-11": 1, "2024-03-13": 1})
    utc_times = sorted(
        (row.local_date, row.claimed_at.astimezone(new_york).time().replace(second=0))
        for row in world.store.deliveries(kind=DeliveryKind.DAILY)
    )
    assert [t for _, t in utc_times] == [dt.time(9, 31)] * 3


def test_a_channel_gone_pauses_every_kind(daily_on: DailyWorld) -> None:
    """A channel Slack refuses (archived) pauses its new-brief subscription too."""
    world = daily_on
    _start(world, ("C0GONE", "new"), ("C0GONE", "weekly fri 16:00"))
    world.clock.set(MONDAY)
    add_briefs(world, MONDAY.date(), 1)
    world.slack.fail("chat.postMessage", error="is_archived", channel="C0GONE")
    world.sweep(MONDAY + dt.timedelta(minutes=1))
    world.sweep(MONDAY + dt.timedelta(minutes=2))
    assert announced(world) == []
    weekly = world.store.subscription("C0GONE", Kind.WEEKLY)
    assert weekly is not None and weekly.paused
    subscription = world.store.subscription("C0GONE", Kind.NEW)
    assert subscription is not None and subscription.paused


def test_an_announcement_slack_posted_despite_a_503_is_found_and_not_sent_again(
    daily_on: DailyWorld,
) -> None:
    """A 503 after Slack stored a new-brief announcement: the sweep finds it in the
    history by its kind and slot, records it posted, and never sends it again."""
    world = daily_on
    _start(world, ("C0NEW", "new"))
    world.clock.set(MONDAY)
    ids = add_briefs(world, MONDAY.date(), 1)
    world.slack.fail("chat.postMessage", status=503, after_applying=True, channel="C0NEW")
    report = world.sweep(MONDAY + dt.timedelta(minutes=1))
    (post,) = posts(world, "new", "C0NEW")
    assert [(e.channel_id, e.ts) for e in report.reconciled] == [("C0NEW", post["ts"])]
    row = world.store.delivery(DeliveryKey.new_brief("C0NEW", ids[0]))
    assert row is not None and row.state == DeliveryState.POSTED and row.message_ts == post["ts"]
    world.sweep(MONDAY + dt.timedelta(minutes=2))
    assert announced(world) == [("C0NEW", ids[0])]


def test_a_weekly_digest_refused_with_429_waits_and_posts_once(daily_on: DailyWorld) -> None:
    """A weekly digest answered 429: sent again only after its Retry-After, once in all."""
    world = daily_on
    _start(world, ("C0WEEK", "weekly mon 09:00"))
    world.clock.set(MONDAY - dt.timedelta(minutes=30))
    add_briefs(world, MONDAY.date() - dt.timedelta(days=1), 2, prefix="wk")
    world.sweep(MONDAY - dt.timedelta(minutes=20))
    world.slack.fail("chat.postMessage", status=429, retry_after=1, channel="C0WEEK")
    world.sweep(MONDAY + dt.timedelta(hours=1, minutes=1))
    world.sweep(MONDAY + dt.timedelta(hours=1, minutes=2))
    assert len(posts(world, "weekly", "C0WEEK")) == 1
    assert not any(call.early for call in world.slack.calls)
    assert any(call.status == 429 for call in world.slack.calls)


def test_a_weekly_digest_is_caught_up_within_the_window_and_skipped_after_it(
    daily_on: DailyWorld,
) -> None:
    """The bot down at the digest's time: back within the catch-up window (3 h) it posts
    the digest; a week later, back after the window, that week's digest is recorded as
    skipped and never posted late."""
    world = daily_on
    _start(world, ("C0WEEK", "weekly fri 16:00"))
    world.clock.set(MONDAY + dt.timedelta(days=1))
    add_briefs(world, dt.date(2024, 5, 7), 1, prefix="one")
    world.sweep(MONDAY + dt.timedelta(days=1, minutes=1))
    friday = dt.datetime(2024, 5, 10, 16, 0, tzinfo=UTC)
    world.sweep(friday + dt.timedelta(hours=2))
    assert len(posts(world, "weekly")) == 1
    world.clock.set(friday + dt.timedelta(days=3))
    add_briefs(world, dt.date(2024, 5, 13), 1, prefix="two")
    world.sweep(friday + dt.timedelta(days=3, minutes=1))
    world.sweep(friday + dt.timedelta(days=7, hours=4))
    world.sweep(friday + dt.timedelta(days=7, hours=4, minutes=1))
    assert len(posts(world, "weekly")) == 1
    row = world.store.delivery(DeliveryKey("C0WEEK", DeliveryKind.WEEKLY, "2024-W20"))
    assert row is not None and row.state == DeliveryState.SKIPPED
