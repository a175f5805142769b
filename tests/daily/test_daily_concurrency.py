"""Three OS processes sweeping the same database at the same moment, on SQLite and on
PostgreSQL: each channel gets exactly one post a day, checked on the local Slack."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter
from typing import TYPE_CHECKING

import pytest

from bot.store import DeliveryState
from tests.support.processes import run_together

if TYPE_CHECKING:
    from tests.support.daily import DailyWorld

pytest_plugins = ("tests.support.daily", "tests.support.databases")

PROCESSES = 3
CHANNELS = [f"C0RACE{n:02d}" for n in range(24)]
HELSINKI = zoneinfo.ZoneInfo("Europe/Helsinki")
NOW = dt.datetime(2024, 5, 6, 9, 0, 20, tzinfo=HELSINKI)


@pytest.mark.slow
def test_three_processes_sweeping_at_once_post_each_channel_once(daily_on: DailyWorld) -> None:
    """Three replicas sweep together (twice each), with Slack rate-limiting 10% of posts:
    every channel has exactly one daily post, all of the same brief, none sent early."""
    world = daily_on
    for channel in CHANNELS:
        world.subscribe(channel, "09:00", "Europe/Helsinki")
    world.slack.random_ratelimit("chat.postMessage", fraction=0.1, retry_after=1, seed=7)
    world.slack.rate_limit("chat.postMessage", per_channel_per_second=1.0)
    settings = world.services.settings
    args = (settings.database_url, str(world.content), world.slack.api_url, settings.bot_token)
    from tests.support.daily import sweep_as_replica

    reports = run_together(sweep_as_replica, [(*args, NOW, f"p{n}") for n in range(PROCESSES)])
    assert [error for _, _, error in reports if error] == []

    per_channel = Counter(m["channel"] for m in world.daily_posts())
    assert per_channel == Counter(dict.fromkeys(CHANNELS, 1))
    claimed = Counter(post for _, posted, _ in reports for post in posted)
    assert set(claimed.values()) == {1} and len(claimed) == len(CHANNELS)
    assert len({m["metadata"]["event_payload"]["brief_id"] for m in world.daily_posts()}) == 1
    # Seed 7 refuses some of the first posts: the retry path ran, and was never early.
    assert any(call.fault == "random_ratelimit" for call in world.slack.calls)
    assert not any(call.early for call in world.slack.calls)
    assert not any(call.fault == "channel_rate_limit" for call in world.slack.calls)
    rows = world.store.deliveries(since=NOW.date())
    assert {row.state for row in rows} == {DeliveryState.POSTED} and len(rows) == len(CHANNELS)
