"""Every Slack fault the daily sweep meets, injected through the local Slack: 429 with
Retry-After, one message a second per channel, 5xx and timeouts after Slack may have
posted, channels the bot cannot post in, and a token Slack no longer accepts."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import zoneinfo
from typing import TYPE_CHECKING

import pytest

from bot.store import DeliveryKey, DeliveryState

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.support.daily import DailyWorld

pytest_plugins = ("tests.support.daily", "tests.support.databases")

HELSINKI = zoneinfo.ZoneInfo("Europe/Helsinki")
MONDAY = dt.date(2024, 5, 6)
AT_NINE = dt.datetime(2024, 5, 6, 9, 0, 30, tzinfo=HELSINKI)
POST = "chat.postMessage"


def posts_to(world: DailyWorld, channel: str) -> list:
    """Calls to chat.postMessage about `channel`, in arrival order."""
    return [c for c in world.slack.calls_to(POST) if c.channel == channel]


def test_429_is_retried_no_earlier_than_retry_after(daily: DailyWorld) -> None:
    """A 429 with Retry-After 2: the retry arrives at least 2 s after the 429 was answered,
    Slack never sees an early retry, and the post goes out exactly once."""
    daily.subscribe("C0BUSY")
    daily.subscribe("C0CALM")
    daily.slack.fail(POST, status=429, retry_after=2, channel="C0BUSY")
    report = daily.sweep(AT_NINE)
    assert sorted(e.channel_id for e in report.posted) == ["C0BUSY", "C0CALM"]
    calls = posts_to(daily, "C0BUSY")
    assert [c.status for c in calls] == [429, 200]
    assert not any(c.early for c in daily.slack.calls)
    for refused, retry in itertools.pairwise(calls):
        assert retry.at - refused.finished_at >= 2
    assert len(daily.daily_posts("C0BUSY")) == 1
    # The other channel did not wait for the busy one.
    assert posts_to(daily, "C0CALM")[0].at < calls[1].at


def test_one_message_a_second_per_channel(make_daily: Callable[..., DailyWorld]) -> None:
    """Two posts due in one channel (a 30 h catch-up window after downtime) are at least a
    second apart, so Slack's per-channel limit never answers 429."""
    for world in [make_daily(catch_up=dt.timedelta(hours=30))]:
        world.slack.rate_limit(POST, per_channel_per_second=1.0, grace=0.0)
        world.subscribe("C0TWICE", "09:00", "Europe/Helsinki", "daily")
        report = world.sweep(dt.datetime(2024, 5, 6, 10, 0, tzinfo=HELSINKI))
        assert sorted(e.local_date.isoformat() for e in report.posted) == [
            "2024-05-05",
            "2024-05-06",
        ]
        first, second = posts_to(world, "C0TWICE")
        assert second.at - first.finished_at >= 1.0
        assert [c.fault for c in world.slack.calls] == [None, None]


@pytest.mark.parametrize("fault", ["http_503_after_posting", "timeout_after_posting"])
def test_uncertain_answer_is_marked_unknown_and_reported_not_retried(
    daily: DailyWorld, fault: str
) -> None:
    """A 5xx or a timeout after Slack posted, with no channels:history scope: the post is
    `unknown`, admins are told, and no later sweep posts it again."""
    daily.subscribe("C0DOUBT")
    daily.subscribe("C0FINE")
    if fault.startswith("http_503"):
        daily.slack.fail(POST, status=503, after_applying=True, channel="C0DOUBT")
    else:
        daily.slack.fail(POST, delay=1.0, after_applying=True, channel="C0DOUBT")
    daily.slack.fail("conversations.history", error="missing_scope", times=None)
    report = daily.sweep(AT_NINE, sweeper=daily.sweeper(timeout=0.3))
    assert [e.channel_id for e in report.unknown] == ["C0DOUBT"]
    assert [e.channel_id for e in report.posted] == ["C0FINE"]
    row = daily.store.delivery(DeliveryKey.daily("C0DOUBT", MONDAY))
    assert row is not None and row.state == DeliveryState.UNKNOWN
    (dm,) = daily.dms(daily.admin)
    assert "<#C0DOUBT>" in str(dm["blocks"]) and "may or may not" in dm["text"] + str(dm["blocks"])
    for minutes in (1, 2, 30):
        daily.sweep(AT_NINE + dt.timedelta(minutes=minutes))
    assert len(daily.daily_posts("C0DOUBT")) == 1
    # A delayed answer is recorded once Slack sends it, after the client gave up.
    daily.slack.wait_for(lambda: posts_to(daily, "C0DOUBT"))
    assert len(posts_to(daily, "C0DOUBT")) == 1


def test_uncertain_answer_is_reconciled_from_history_when_readable(daily: DailyWorld) -> None:
    """A 503 after Slack posted, with history readable: the post is found by its metadata
    and recorded as posted with its real ts (so "Related briefs" works on it)."""
    daily.subscribe("C0DOUBT")
    daily.slack.fail(POST, status=503, after_applying=True)
    report = daily.sweep(AT_NINE)
    (post,) = daily.daily_posts("C0DOUBT")
    assert [(e.channel_id, e.ts) for e in report.reconciled] == [("C0DOUBT", post["ts"])]
    row = daily.store.delivery(DeliveryKey.daily("C0DOUBT", MONDAY))
    assert row is not None and row.state == DeliveryState.POSTED and row.message_ts == post["ts"]
    assert daily.store.brief_for_message("C0DOUBT", post["ts"]) == row.brief_id
    assert daily.dms(daily.admin) == []


def test_5xx_that_did_not_post_stays_unknown_and_is_not_sent_again(daily: DailyWorld) -> None:
    """A 503 where Slack did not post: the history shows nothing, yet the sweep does not
    resend (the answer could still be in flight); the post is reported as unknown."""
    daily.subscribe("C0LOST")
    daily.slack.fail(POST, status=503)
    report = daily.sweep(AT_NINE)
    assert [e.channel_id for e in report.unknown] == ["C0LOST"]
    daily.sweep(AT_NINE + dt.timedelta(minutes=1))
    assert daily.daily_posts() == [] and len(posts_to(daily, "C0LOST")) == 1


@pytest.mark.parametrize("error", ["channel_not_found", "is_archived", "not_in_channel"])
def test_channel_errors_pause_tell_subscriber_and_admins_and_keep_going(
    daily: DailyWorld, error: str
) -> None:
    """A channel the bot cannot post in is paused; its subscriber and the admins get a DM
    saying why and how to fix it; the other channels still get their post."""
    if error == "is_archived":
        daily.slack.add_channel("C0BROKEN", is_archived=True)
    elif error == "not_in_channel":
        daily.slack.add_channel("C0BROKEN", bot_is_member=False)
    # channel_not_found: the channel does not exist in the local Slack at all.
    daily.subscribe("C0BROKEN", add_channel=False)
    for channel in ("C0ONE", "C0TWO"):
        daily.subscribe(channel)
    report = daily.sweep(AT_NINE)
    assert sorted(e.channel_id for e in report.posted) == ["C0ONE", "C0TWO"]
    assert [(e.channel_id, e.detail) for e in report.paused] == [("C0BROKEN", error)]
    subscription = daily.store.subscription("C0BROKEN")
    assert subscription is not None and subscription.paused
    assert error in (subscription.paused_reason or "")
    (to_subscriber,) = daily.dms(daily.subscriber)
    (to_admin,) = daily.dms(daily.admin)
    for dm in (to_subscriber, to_admin):
        assert "<#C0BROKEN>" in str(dm["blocks"]) and "paused" in str(dm["blocks"])
    if error != "is_archived":
        assert "/invite @briefbot" in str(to_subscriber["blocks"])
    # Paused: later sweeps leave it alone.
    daily.sweep(AT_NINE + dt.timedelta(minutes=1))
    assert len(posts_to(daily, "C0BROKEN")) == 1


@pytest.mark.parametrize("error", ["invalid_auth", "token_revoked", "account_inactive"])
def test_auth_errors_stop_the_sweep_loudly(
    daily: DailyWorld, caplog: pytest.LogCaptureFixture, error: str
) -> None:
    """A refused token stops the sweep at once (nothing else is sent, nothing else claimed)
    with a critical log; the next sweep with a working token posts everything once."""
    channels = [f"C0CH{n}" for n in range(6)]
    for channel in channels:
        daily.subscribe(channel)
    daily.slack.fail(POST, error=error, times=1)
    with caplog.at_level(logging.CRITICAL, logger="briefbot.daily"):
        report = daily.sweep(AT_NINE, sweeper=daily.sweeper(workers=1))
    assert report.stopped == error and report.posted == []
    assert [r.levelno for r in caplog.records].count(logging.CRITICAL) == 1
    assert error in caplog.records[0].getMessage()
    assert len(daily.slack.calls) == 1  # no DM either: the token does not work
    assert [row.state for row in daily.store.deliveries(since=MONDAY)] == [DeliveryState.FAILED]
    report = daily.sweep(AT_NINE + dt.timedelta(minutes=1))
    assert sorted(e.channel_id for e in report.posted) == channels
    assert sorted(m["channel"] for m in daily.daily_posts()) == channels


def test_revoked_token_stops_the_sweep(daily: DailyWorld) -> None:
    """With the token really revoked in Slack, the sweep stops after its first call."""
    for channel in ("C0A", "C0B", "C0C"):
        daily.subscribe(channel)
    daily.slack.revoke_token(daily.services.settings.bot_token or "")
    report = daily.sweep(AT_NINE, sweeper=daily.sweeper(workers=1))
    assert report.stopped == "token_revoked"
    assert len(daily.slack.calls) == 1 and daily.daily_posts() == []


def test_a_rejected_message_fails_and_is_retried_a_few_times_only(daily: DailyWorld) -> None:
    """Slack refusing the message itself (e.g. invalid_blocks) fails the post; the next
    sweeps in the window try again, three attempts in all, then leave it failed."""
    daily.subscribe("C0REFUSE")
    daily.slack.fail(POST, error="invalid_blocks", times=None, channel="C0REFUSE")
    for minutes in range(5):
        daily.sweep(AT_NINE + dt.timedelta(minutes=minutes))
    row = daily.store.delivery(DeliveryKey.daily("C0REFUSE", MONDAY))
    assert row is not None and row.state == DeliveryState.FAILED and row.attempts == 3
    assert row.error == "invalid_blocks"
    assert len(posts_to(daily, "C0REFUSE")) == 3
