"""The database failing under a daily sweep: PostgreSQL going away in the middle of a
fan-out, a server that accepts connections and never answers, a statement held up by a
lock, and the clock sweeping again once the database is back; and SQLite's write lock
held past its busy timeout. Each runs `briefbot post-daily` (or the clock) against the
local Slack and a real database; PostgreSQL is reached through a proxy on 127.0.0.1
that the test can cut, so the shared server itself is never stopped."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

from bot.daily.clock import DailyClock
from bot.services import Services
from bot.store import Store, make_engine
from tests.support.tcp import Proxy, SilentServer

if TYPE_CHECKING:
    from tests.support.daily import DailyWorld

pytest_plugins = ("tests.support.daily", "tests.support.databases")

CHANNELS = [f"C0FAN{n:02d}" for n in range(40)]
LINE = re.compile(r"^(posted|failed|in doubt|unknown|reconciled|paused): (\S+) ", re.MULTILINE)


@pytest.fixture
def world(tmp_path: Path, postgres_url: str) -> Iterator[DailyWorld]:
    """A daily world on PostgreSQL; the test's own store connects directly."""
    from tests.support.daily import make_world  # a plugin of this module: imported late

    yield from make_world(tmp_path, postgres_url)


@pytest.fixture
def proxy(postgres_url: str) -> Iterator[Proxy]:
    url = make_url(postgres_url)
    with Proxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        yield proxy


def through(proxy: Proxy, world: DailyWorld) -> str:
    """The world's database URL, reached through `proxy`."""
    url = make_url(world.services.settings.database_url).set(host="127.0.0.1", port=proxy.port)
    return url.render_as_string(hide_password=False)


def post_daily(world: DailyWorld, cwd: Path, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "post-daily"],
        cwd=cwd,
        env=world.env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.postgres
def test_postgres_going_away_mid_fan_out_reports_every_channel_not_posted(
    world: DailyWorld, proxy: Proxy, tmp_path: Path
) -> None:
    """The database connection is cut while 40 channels are being posted: every channel
    is either listed as posted or listed as not posted (or in doubt), the summary says
    the database failed, and the exit status is 3. Once the database is back, a later
    sweep posts the rest: 40 messages in all, one per channel."""
    for channel in CHANNELS:
        day = world.subscribe_due_now(channel)
    world.slack.fail("chat.postMessage", delay=0.3, times=None)  # a slow Slack: a long fan-out
    process = post_daily(world, tmp_path, DATABASE_URL=through(proxy, world))
    try:
        world.slack.wait_for(lambda: len(world.daily_posts()) >= 5, timeout=60)
        proxy.cut()
        out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 3, out + err
    lines = LINE.findall(out)
    posted = {channel for kind, channel in lines if kind == "posted"}
    not_posted = {channel for kind, channel in lines if kind in ("failed", "in doubt")}
    assert posted.isdisjoint(not_posted)
    assert posted | not_posted == set(CHANNELS), out
    assert not_posted, "the cut came after the fan-out ended"
    assert f"{sum(kind == 'failed' for kind, _ in lines)} failed" in out
    assert "stopped: the database failed" in out
    assert {m["channel"] for m in world.daily_posts()} >= posted

    world.slack.clear_faults()
    later = world.clock.now + dt.timedelta(minutes=11)  # rows left in flight are stale
    world.sweep(later, world.sweeper())
    assert sorted(m["channel"] for m in world.daily_posts()) == CHANNELS
    states = {row.channel_id: row.state for row in world.store.deliveries(since=day)}
    assert set(states.values()) == {"posted"}


@pytest.mark.slow
@pytest.mark.postgres
def test_a_server_that_never_answers_runs_out_of_the_connect_timeout(
    world: DailyWorld, tmp_path: Path
) -> None:
    """DATABASE_URL points at a server that accepts the connection and says nothing:
    `briefbot post-daily` gives up after the connect timeout (10 s by default, 2 s here
    from DATABASE_URL), says so, and exits 2 instead of hanging."""
    world.subscribe_due_now("C0HUNG")
    with SilentServer() as silent:
        url = f"postgresql+psycopg://postgres@127.0.0.1:{silent.port}/briefbot?connect_timeout=2"
        process = post_daily(world, tmp_path, DATABASE_URL=url)
        try:
            out, err = process.communicate(timeout=90)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 2, out + err
    assert "within the connect timeout (2 s; connect_timeout in DATABASE_URL)" in err
    assert world.daily_posts() == []


@pytest.mark.postgres
def test_a_statement_held_up_by_a_lock_runs_out_of_the_statement_timeout(
    world: DailyWorld, tmp_path: Path
) -> None:
    """Another connection holds a lock on the subscriptions for longer than the statement
    timeout (1 s here, from DATABASE_URL): `briefbot post-daily` stops, says the statement
    timeout ran out, and exits 3; nothing is posted."""
    world.subscribe_due_now("C0LOCK")
    url = make_url(world.services.settings.database_url)
    options = f"{url.query['options']} -c statement_timeout=1000"
    short = url.update_query_dict({"options": options}).render_as_string(hide_password=False)
    locker = create_engine(url, poolclass=NullPool)
    try:
        with locker.begin() as connection:
            connection.execute(text("LOCK TABLE subscriptions IN ACCESS EXCLUSIVE MODE"))
            process = post_daily(world, tmp_path, DATABASE_URL=short)
            try:
                out, err = process.communicate(timeout=90)
            finally:
                if process.poll() is None:
                    process.kill()
    finally:
        locker.dispose()
    assert process.returncode == 3, out + err
    expected = "a statement did not finish within the statement timeout (1000 ms"
    assert f"stopped: the database failed: {expected}" in out
    assert world.daily_posts() == []


@pytest.mark.postgres
def test_postgres_connections_get_a_statement_timeout_unless_the_url_sets_one(
    postgres_url: str,
) -> None:
    """Every connection briefbot opens has statement_timeout 30 s; a DATABASE_URL that
    sets its own keeps it."""
    engine = make_engine(postgres_url)
    try:
        with engine.connect() as connection:
            shown = connection.execute(text("SHOW statement_timeout")).scalar()
        assert shown == "30s"
    finally:
        engine.dispose()
    url = make_url(postgres_url)
    own = url.update_query_dict({"options": f"{url.query['options']} -cstatement_timeout=2500"})
    engine = make_engine(own)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SHOW statement_timeout")).scalar() == "2500ms"
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_the_clock_sweeps_again_once_the_database_is_back(world: DailyWorld, proxy: Proxy) -> None:
    """The clock's sweep fails while the database is away; the very next tick, once it is
    back, posts what is due (no waiting as after a refused token)."""
    world.subscribe_due_now("C0BACK")
    engine = make_engine(through(proxy, world))
    store = Store(engine)
    services = Services(world.services.settings, world.services.content, store)
    clock = DailyClock(services, world.client())
    try:
        proxy.cut()
        clock.tick()
        assert world.daily_posts() == []
        proxy.restore()
        clock.tick()
        assert [m["channel"] for m in world.daily_posts()] == ["C0BACK"]
    finally:
        engine.dispose()


@pytest.mark.slow
def test_sqlite_locked_mid_fan_out_reports_every_channel_not_posted(
    tmp_path: Path, sqlite_db_url: str
) -> None:
    """The SQLite counterpart: another process takes the file's write lock while 12
    channels are being posted and keeps it past the busy timeout (2 s here, from
    DATABASE_URL's `timeout`). `briefbot post-daily` lists every channel it did not post,
    says the busy timeout ran out, and exits 3; once the lock is gone, a later sweep posts
    the rest, once each."""
    from tests.support.daily import make_world  # a plugin of this module: imported late

    worlds = make_world(tmp_path, f"{sqlite_db_url}?timeout=2")
    world = next(worlds)
    try:
        channels = CHANNELS[:12]
        for channel in channels:
            day = world.subscribe_due_now(channel)
        world.slack.fail("chat.postMessage", delay=0.5, times=None)
        locker = sqlite3.connect(make_url(sqlite_db_url).database or "", isolation_level=None)
        process = post_daily(world, tmp_path)
        try:
            world.slack.wait_for(lambda: len(world.daily_posts()) >= 2, timeout=60)
            locker.execute("BEGIN EXCLUSIVE")
            out, err = process.communicate(timeout=120)
        finally:
            if process.poll() is None:
                process.kill()
            locker.close()
        assert process.returncode == 3, out + err
        lines = LINE.findall(out)
        posted = {channel for kind, channel in lines if kind == "posted"}
        not_posted = {channel for kind, channel in lines if kind in ("failed", "in doubt")}
        assert posted.isdisjoint(not_posted) and posted | not_posted == set(channels), out
        assert not_posted
        assert "the database stayed locked beyond the busy timeout (2000 ms; timeout in" in out

        world.slack.clear_faults()
        world.sweep(world.clock.now + dt.timedelta(minutes=11), world.sweeper())
        assert sorted(m["channel"] for m in world.daily_posts()) == channels
        states = {row.state for row in world.store.deliveries(since=day)}
        assert states == {"posted"}
    finally:
        worlds.close()
