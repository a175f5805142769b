"""A daily-post world for tests: a local Slack, a real store, real content and a frozen clock.

`daily` gives a `DailyWorld` on SQLite; `daily_on` (parametrised by `database_url`)
gives one on each backend. Nothing is mocked: the sweep talks HTTP to a ScriptedSlack and
SQL to a real database; only the time is chosen by the test (the store's timestamps and
the sweep's "now" both come from the world's clock).
Use with `pytest_plugins = ("tests.support.daily", "tests.support.databases")`.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.config import Settings
from bot.content.live import LiveContent
from bot.daily.pacing import Pacer
from bot.daily.post import EVENT_TYPE
from bot.daily.sweep import Sweeper, SweepReport
from bot.localslack import DEFAULT_BOT_TOKEN
from bot.schedule import Schedule, parse_time
from bot.services import Services
from bot.store import Store, make_engine, upgrade
from tests.fakeslack import ScriptedSlack
from tests.support.clock import Clock

ROOT = Path(__file__).resolve().parents[2]
START = dt.datetime(2024, 5, 6, tzinfo=dt.UTC)
"""Where each world's clock starts: Monday 6 May 2024, 00:00 UTC."""
ADMIN = "U0CAROL"
SUBSCRIBER = "U0ALICE"


@dataclass
class DailyWorld:
    slack: ScriptedSlack
    clock: Clock
    store: Store
    services: Services
    content: Path
    sweepers: list[Sweeper] = field(default_factory=list)
    last_sweep: dt.datetime | None = None

    admin: str = ADMIN
    subscriber: str = SUBSCRIBER

    def client(self, token: str = DEFAULT_BOT_TOKEN) -> WebClient:
        return WebClient(token, base_url=self.slack.api_url)

    def sweeper(self, **options: Any) -> Sweeper:
        options.setdefault("timeout", 2.0)
        sweeper = Sweeper(self.services, self.client(), **options)
        self.sweepers.append(sweeper)
        return sweeper

    def subscribe(
        self,
        channel: str,
        post_time: str = "09:00",
        zone: str = "Europe/Helsinki",
        days: str = "weekdays",
        *,
        by: str = SUBSCRIBER,
        since: dt.datetime | None = None,
        add_channel: bool = True,
    ) -> Schedule:
        """Subscribe `channel` as of `since` (default: a day before the clock)."""
        if add_channel and channel not in self.slack.workspace.channels:
            self.slack.add_channel(channel)
        schedule = Schedule(parse_time(post_time), zone, days)  # type: ignore[arg-type]
        now = self.clock.now
        self.clock.set(since or now - dt.timedelta(days=1))
        try:
            self.store.subscribe(channel, schedule, by)
        finally:
            self.clock.set(now)
        return schedule

    def sweep(self, at: dt.datetime, sweeper: Sweeper | None = None, **kw: Any) -> SweepReport:
        """Set the clock to `at` and sweep.

        The pacing of messages runs on the real monotonic clock; when the test moves
        the clock on by a minute or more, that much time has passed for the pacing too.
        """
        sweeper = sweeper or self.default_sweeper
        if self.last_sweep is not None and at - self.last_sweep >= dt.timedelta(minutes=1):
            sweeper.pacer = Pacer()
        self.last_sweep = at
        self.clock.set(at)
        return sweeper.sweep(**kw)

    @property
    def default_sweeper(self) -> Sweeper:
        return self.sweepers[0] if self.sweepers else self.sweeper()

    def env(self, **extra: str) -> dict[str, str]:
        """Environment for a `briefbot` process sharing this world's Slack, store and content."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BRIEFBOT_"))}
        settings = self.services.settings
        env.update(
            {
                "SLACK_BOT_TOKEN": settings.bot_token or "",
                "SLACK_API_URL": self.slack.api_url,
                "BRIEFBOT_CONTENT_DIR": str(self.content),
                "BRIEFBOT_ADMINS": ",".join(sorted(settings.admins)),
                "DATABASE_URL": settings.database_url,
                "PYTHONPATH": str(ROOT),
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(extra)
        return env

    def subscribe_due_now(self, channel: str, minutes_ago: int = 5) -> dt.date:
        """Subscribe `channel` (UTC, daily) so that a post fell due `minutes_ago` minutes
        ago in real time, for tests that run real `briefbot` processes; its local date."""
        now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
        due = now - dt.timedelta(minutes=minutes_ago)
        self.subscribe(channel, f"{due:%H:%M}", "UTC", "daily", since=due - dt.timedelta(hours=1))
        self.clock.set(dt.datetime.now(dt.UTC))
        return due.date()

    def daily_posts(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Daily-brief messages on the local Slack (by their metadata), oldest first."""
        return [
            m
            for m in self.slack.messages(channel)
            if (m.get("metadata") or {}).get("event_type") == EVENT_TYPE
        ]

    def dms(self, user: str) -> list[dict[str, Any]]:
        """Direct messages the bot sent `user`."""
        im = f"D{user[1:]}"
        return self.slack.messages(im)


def make_world(tmp_path: Path, database_url: str, **settings: Any) -> Iterator[DailyWorld]:
    content = tmp_path / "content"
    if not content.exists():
        shutil.copytree(ROOT / "content", content)
    clock = Clock(START)
    engine = make_engine(database_url)
    upgrade(engine)
    with ScriptedSlack() as slack:
        config = Settings(
            bot_token=DEFAULT_BOT_TOKEN,
            api_url=slack.api_url,
            content_dir=content,
            admins=frozenset({ADMIN}),
            database_url=database_url,
            **settings,
        )
        store = Store(engine, clock=clock)
        services = Services(config, LiveContent(content), store, now=clock)
        try:
            yield DailyWorld(slack, clock, store, services, content)
        finally:
            engine.dispose()


@pytest.fixture
def daily(tmp_path: Path, migrated_sqlite_url: str) -> Iterator[DailyWorld]:
    """A daily world on SQLite (a copy of the session's migrated file), catch-up window
    3 hours."""
    yield from make_world(tmp_path, migrated_sqlite_url)


@pytest.fixture
def make_daily(tmp_path: Path, migrated_sqlite_url: str) -> Iterator[Callable[..., DailyWorld]]:
    """Build a daily world on SQLite with other settings, e.g. `make_daily(catch_up=…)`."""
    with ExitStack() as stack:

        def build(**settings: Any) -> DailyWorld:
            worlds = make_world(tmp_path, migrated_sqlite_url, **settings)
            stack.callback(worlds.close)
            return next(worlds)

        yield build


@pytest.fixture
def daily_on(tmp_path: Path, migrated_url: str) -> Iterator[DailyWorld]:
    """A daily world on each backend in turn (SQLite, then PostgreSQL)."""
    yield from make_world(tmp_path, migrated_url)


def sweep_as_replica(
    barrier: Any,
    results: Any,
    url: str,
    content: str,
    api_url: str,
    token: str,
    now: dt.datetime,
    name: str,
) -> None:
    """One replica for `tests.support.processes.run_together`: its own engine, content and
    client; after the barrier it sweeps at `now` and a minute later, and reports what it
    posted as (channel, brief id, local date) with the error it met, if any."""
    from bot.store import Store, make_engine, upgrade
    from tests.support.processes import HANG_GUARD_S

    engine = None
    try:
        engine = make_engine(url)
        upgrade(engine)
        current = [now]
        store = Store(engine, clock=lambda: current[0])
        settings = Settings(
            bot_token=token, api_url=api_url, content_dir=Path(content), database_url=url
        )
        services = Services(settings, LiveContent(content), store, now=lambda: current[0])
        sweeper = Sweeper(services, WebClient(token, base_url=api_url), timeout=5)
        barrier.wait(timeout=HANG_GUARD_S)
        posted = []
        for minutes in (0, 1):
            current[0] = now + dt.timedelta(minutes=minutes)
            report = sweeper.sweep()
            posted += [(e.channel_id, e.brief_id, e.local_date.isoformat()) for e in report.posted]
            assert report.failed == [] and report.unknown == [], report.lines()
        results.put((name, posted, None))
    except BaseException as error:  # reported to the test, which fails with it
        results.put((name, [], repr(error)))
    finally:
        if engine is not None:
            engine.dispose()
