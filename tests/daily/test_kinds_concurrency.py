"""Three OS processes sweeping the same database at once, on SQLite and PostgreSQL, for
the kinds besides the daily post: each (channel, new brief) is announced once, a bulk of
50 keeps to the flood guard, and channels with the same tags get the same featured brief."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.support.kinds import add_briefs, announced, posts, subscribe_kind
from tests.support.processes import HANG_GUARD_S, run_together

if TYPE_CHECKING:
    from tests.support.daily import DailyWorld

pytest_plugins = ("tests.support.daily", "tests.support.databases")

PROCESSES = 3
NOW = dt.datetime(2024, 5, 6, 9, 0, 20, tzinfo=dt.UTC)
NEW_CHANNELS = [f"C0NEW{n:02d}" for n in range(12)]
TAGGED = ["C0TAGA", "C0TAGB"]


def _race(world: DailyWorld) -> list[tuple[str, list[Any], str | None]]:
    world.slack.random_ratelimit("chat.postMessage", fraction=0.1, retry_after=1, seed=7)
    world.slack.rate_limit("chat.postMessage", per_channel_per_second=1.0)
    settings = world.services.settings
    args = (settings.database_url, str(world.content), world.slack.api_url, settings.bot_token)
    from tests.support.daily import sweep_as_replica

    reports = run_together(sweep_as_replica, [(*args, NOW, f"p{n}") for n in range(PROCESSES)])
    assert [error for _, _, error in reports if error] == []
    early = [(c.method, c.channel, c.at) for c in world.slack.calls if c.early]
    assert early == [], [
        (c.method, c.channel, c.at, c.fault)
        for c in world.slack.calls
        if c.channel in {e[1] for e in early}
    ]
    return reports


@pytest.mark.slow
def test_three_sweepers_announce_each_new_brief_once_per_channel(daily_on: DailyWorld) -> None:
    """Three replicas race on 3 new briefs for 12 channels (10% of posts answered 429):
    each (channel, brief) is posted exactly once; tagged channels get the same brief."""
    world = daily_on
    before = NOW - dt.timedelta(days=1)
    for channel in NEW_CHANNELS:
        subscribe_kind(world, channel, "new", since=before)
    for channel, tags in zip(TAGGED, ("security,policy", "policy,security"), strict=True):
        subscribe_kind(world, channel, f"daily 09:00 tags:{tags}", since=before)
    world.sweep(NOW - dt.timedelta(hours=2))  # the briefs already there are seen
    world.clock.set(NOW - dt.timedelta(hours=1))
    ids = add_briefs(world, NOW.date(), 3, prefix="race", tags="security")
    _race(world)
    per_pair = Counter(announced(world))
    assert per_pair == Counter({(c, b): 1 for c in NEW_CHANNELS for b in ids})
    daily = {
        m["channel"]: m["metadata"]["event_payload"]["brief_id"] for m in posts(world, "daily")
    }
    assert set(daily) == set(TAGGED) and len(set(daily.values())) == 1


@pytest.mark.slow
def test_three_sweepers_keep_a_bulk_of_fifty_to_the_flood_guard(daily_on: DailyWorld) -> None:
    """Three replicas race on 50 new briefs: each channel gets 3 of them and one
    "and 47 more" line, nothing twice."""
    world = daily_on
    channels = NEW_CHANNELS[:4]
    for channel in channels:
        subscribe_kind(world, channel, "new", since=NOW - dt.timedelta(days=1))
    world.sweep(NOW - dt.timedelta(hours=2))
    world.clock.set(NOW - dt.timedelta(hours=1))
    add_briefs(world, NOW.date(), 50, prefix="bulk")
    _race(world)
    for channel in channels:
        pairs = announced(world, channel)
        assert len(pairs) == 3 == len(set(pairs))
        more = posts(world, "more", channel)
        assert len(more) == 1 and "47 more new briefs" in more[0]["text"]


def _post_daily(world: DailyWorld, tmp_path: Path) -> str:
    """One `briefbot post-daily` process (a fresh start: content loaded anew), to the end."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "bot", "post-daily"],
        cwd=tmp_path,
        env=world.env(),
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_S,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


@pytest.mark.slow
def test_post_daily_processes_restarting_around_a_reload_announce_once(
    daily_on: DailyWorld, tmp_path: Path
) -> None:
    """Real `briefbot post-daily` processes: one before the new briefs arrive, then two
    after (each a restart that loads the content anew): the old briefs are never
    announced, each new one exactly once."""
    world = daily_on
    now = dt.datetime.now(dt.UTC)
    subscribe_kind(world, "C0PROC", "new", since=now - dt.timedelta(hours=1))
    _post_daily(world, tmp_path)
    assert announced(world) == []
    ids = add_briefs(world, now.date(), 2, prefix="proc")
    _post_daily(world, tmp_path)
    _post_daily(world, tmp_path)
    assert sorted(announced(world)) == [("C0PROC", ids[0]), ("C0PROC", ids[1])]


@pytest.mark.slow
def test_post_daily_processes_post_the_weekly_digest_once_and_nothing_in_an_empty_week(
    tmp_path: Path, database_url: str
) -> None:
    """Real `briefbot post-daily` processes at a weekly digest's time: a week whose briefs
    are all older posts nothing, however often it runs; once a brief of this week is
    published, a second channel's digest is posted once by two processes."""
    import re
    import shutil

    from tests.support.daily import ROOT, make_world

    now = dt.datetime.now(dt.UTC)
    old = (now - dt.timedelta(days=60)).date().isoformat()
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    for path in (content / "briefs").glob("*.yml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"(?m)^date: .*$", f"date: {old}", text), encoding="utf-8")
    worlds = make_world(tmp_path, database_url)
    world = next(worlds)
    try:
        due = now - dt.timedelta(minutes=5)
        words = f"weekly {due:%a} {due:%H:%M}".lower()
        subscribe_kind(world, "C0EMPTY", words, since=now - dt.timedelta(days=1))
        _post_daily(world, tmp_path)
        _post_daily(world, tmp_path)
        assert posts(world, "weekly") == []
        subscribe_kind(world, "C0WEEK", words, since=now - dt.timedelta(days=1))
        (fresh,) = add_briefs(world, now.date(), 1, prefix="fresh")
        # Published before the digest's time: a sweep an hour ago saw it first.
        library = world.services.library
        world.clock.set(now - dt.timedelta(hours=1))
        world.store.record_seen(library.by_id, library.version)
        world.clock.set(now)
        _post_daily(world, tmp_path)
        _post_daily(world, tmp_path)
        digests = posts(world, "weekly", "C0WEEK")
        assert len(digests) == 1 and fresh in json.dumps(digests[0]["blocks"])
    finally:
        worlds.close()
