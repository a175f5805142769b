"""Three OS processes sweeping the same database at once deliver each person's DM brief
once, and each ended snooze's catch-up digest once, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter
from typing import TYPE_CHECKING

import pytest

from bot.schedule import parse_subscription
from bot.store import DeliveryKind, DeliveryState
from tests.support.processes import run_together

if TYPE_CHECKING:
    from tests.support.daily import DailyWorld

pytest_plugins = ("tests.support.daily", "tests.support.databases")

PROCESSES = 3
PEOPLE = [f"U0RACE{n:02d}" for n in range(16)]
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2024, 5, 9, 9, 0, 20, tzinfo=TOKYO)


@pytest.mark.slow
def test_three_replicas_deliver_each_dm_once(daily_on: DailyWorld) -> None:
    """Sixteen people get a 09:00 brief in their DMs (Tokyo time); half of them come back
    from a snooze that ended at 08:30. Three replicas sweep together, with Slack
    rate-limiting 10% of posts: every DM has exactly one daily brief, and each of the
    snoozed ones exactly one catch-up digest."""
    world = daily_on
    store, slack = world.store, world.slack
    spec = parse_subscription("daily 09:00", "Asia/Tokyo")
    snoozed = PEOPLE[::2]
    world.clock.set(NOW - dt.timedelta(days=5))
    for user in PEOPLE:
        slack.add_user(user, tz="Asia/Tokyo")
        with slack._lock:
            dm = slack.workspace.open_im(user).id
        store.enrol(user, dm, "Asia/Tokyo")
        store.subscribe(dm, spec, user)
    world.clock.set(NOW - dt.timedelta(days=3))
    for user in snoozed:
        store.snooze(user, NOW - dt.timedelta(minutes=30))
    world.clock.set(NOW)
    slack.random_ratelimit("chat.postMessage", fraction=0.1, retry_after=1, seed=7)
    slack.rate_limit("chat.postMessage", per_channel_per_second=1.0)
    settings = world.services.settings
    args = (settings.database_url, str(world.content), slack.api_url, settings.bot_token)
    from tests.support.daily import sweep_as_replica

    reports = run_together(sweep_as_replica, [(*args, NOW, f"p{n}") for n in range(PROCESSES)])
    assert [error for _, _, error in reports if error] == []

    def kind(message: dict) -> str:
        return str(message["metadata"]["event_payload"].get("kind", "daily"))

    per_dm = Counter((m["channel"], kind(m)) for m in world.daily_posts())
    dms = {user: f"D{user[1:]}" for user in PEOPLE}
    wanted = Counter({(dms[u], "daily"): 1 for u in PEOPLE})
    wanted.update({(dms[u], "catchup"): 1 for u in snoozed})
    assert per_dm == wanted
    for user in snoozed:  # the digest first, then the day's brief
        assert [kind(m) for m in world.daily_posts(dms[user])] == ["catchup", "daily"]
    claimed = Counter(post for _, posted, _ in reports for post in posted)
    assert set(claimed.values()) == {1} and len(claimed) == len(PEOPLE) + len(snoozed)
    assert not any(call.early for call in slack.calls)
    digests = store.deliveries(kind=DeliveryKind.CATCHUP)
    assert len(digests) == len(snoozed)
    assert {row.state for row in digests} == {DeliveryState.POSTED}
