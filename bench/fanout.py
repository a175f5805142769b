"""Fan-out: one sweep posting to 10,000 subscribed channels through a rate-limiting Slack.

    python -m bench.fanout [--channels 10000] [--new-channels 1000] [--new-briefs 50]
                           [--fraction 0.1] [--workers 8] [--postgres URL] [--seed 1]

Every channel takes the daily brief; `--new-channels` of them also take new briefs as
published, and a bulk of `--new-briefs` new briefs has just arrived, so each of those
gets 3 announcements and one "and N more new briefs" line (the flood guard) besides its
daily post. The local Slack answers a fraction of chat.postMessage calls with 429 and
`Retry-After: 1` (and also enforces one message a second per channel). One sweep
must deliver every post exactly once (per channel, kind and slot), never retry before
a Retry-After has passed, and never send a channel two calls within a second. The wall
time is set against the least time the rate limits impose: per channel, one second
between its posts plus its chain of Retry-After waits, the longest of any channel.

A sweep with no faults first gives the fan-out's own cost for comparison.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import itertools
import multiprocessing
import os
import platform
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.config import Settings
from bot.content.live import LiveContent
from bot.daily.plan_new import FLOOD_LIMIT
from bot.daily.post import EVENT_TYPE
from bot.daily.sweep import WORKERS, Sweeper
from bot.localslack import DEFAULT_BOT_TOKEN, Call
from bot.schedule import Schedule, parse_subscription
from bot.services import Services
from bot.store import DeliveryState, Store, make_engine, sqlite_url, upgrade
from tests.fakeslack import ScriptedSlack

ROOT = Path(__file__).resolve().parent.parent
POST = "chat.postMessage"
NOW = dt.datetime(2024, 5, 6, 9, 0, 30, tzinfo=dt.UTC)


@dataclass
class Result:
    channels: int
    expected: int
    """Posts due: one daily post a channel, and FLOOD_LIMIT + 1 for each new-brief one."""
    wall: float
    steady: float
    """The next sweep, a minute later, with nothing left to post."""
    posted: int
    messages: Counter[tuple[str, str, str]]
    """Posts on Slack by (channel, kind, slot)."""
    calls: list[Call]
    ratelimited: int
    bound: float
    floor: float
    early: int
    too_close: int
    states: Counter[str]

    @property
    def exactly_once(self) -> bool:
        return (
            len(self.messages) == self.expected
            and set(self.messages.values()) == {1}
            and self.states[DeliveryState.POSTED.value] == self.expected
            and set(self.states) <= {DeliveryState.POSTED.value, DeliveryState.SKIPPED.value}
        )


def serve_slack(connection: Connection, fraction: float, seed: int) -> None:
    """The local Slack, in a process of its own so that it does not share the sweep's GIL."""
    with ScriptedSlack(strict_channels=False) as slack:
        if fraction > 0:
            slack.random_ratelimit(POST, fraction=fraction, retry_after=1, seed=seed)
        slack.rate_limit(POST, per_channel_per_second=1.0, grace=0.0)
        connection.send(slack.api_url)
        connection.recv()
        calls = calls_for_checks(slack)
        messages = Counter(
            _post_key(m)
            for m in slack.messages()
            if (m.get("metadata") or {}).get("event_type") == EVENT_TYPE
        )
        connection.send((calls, messages))
        connection.recv()


def calls_for_checks(slack: ScriptedSlack) -> list[Call]:
    """The posting calls, with only what the checks need: the blocks of 1,000 messages
    are a lot to pickle."""
    return [
        dataclasses.replace(c, params={"channel": c.channel}, headers={})
        for c in slack.calls_to(POST)
    ]


def fresh_world(root: Path, name: str, database_url: str | None) -> tuple[Path, str, Engine]:
    """A copy of the shipped content and a migrated database (SQLite in `root` by default)."""
    content = root / f"content-{name}"
    if content.exists():
        shutil.rmtree(content)
    shutil.copytree(ROOT / "content", content)
    url = database_url or sqlite_url(root / f"{name}.db")
    engine = make_engine(url)
    upgrade(engine)
    return content, url, engine


@contextlib.contextmanager
def slack_process(serve: Callable[..., None], *args: object) -> Iterator[tuple[Connection, str]]:
    """`serve(connection, *args)` in a process of its own; the connection and its API URL."""
    spawn = multiprocessing.get_context("spawn")
    ours, theirs = spawn.Pipe()
    server = spawn.Process(target=serve, args=(theirs, *args), daemon=True)
    server.start()
    try:
        if not ours.poll(60):
            raise RuntimeError("the local Slack process did not start")
        yield ours, ours.recv()
    finally:
        server.join(timeout=30)


def _post_key(message: dict[str, object]) -> tuple[str, str, str]:
    payload = (message.get("metadata") or {}).get("event_payload") or {}  # type: ignore[union-attr]
    kind = str(payload.get("kind", "daily"))
    return (str(message["channel"]), kind, str(payload.get("slot", payload.get("local_date"))))


def add_new_briefs(content: Path, count: int) -> None:
    """A bulk of `count` new briefs dated the sweep's day, as an admin's big merge brings."""
    for n in range(count):
        brief_id = f"bench-new-{n:03d}"
        (content / "briefs" / f"{brief_id}.yml").write_text(
            f"id: {brief_id}\ntitle: New brief {n}\ndate: {NOW.date().isoformat()}\n"
            f"summary: Brief {n} of a bulk of new briefs. It has a second sentence.\n",
            encoding="utf-8",
        )


def run_fanout(
    channels: int,
    fraction: float,
    workers: int,
    database_url: str | None,
    seed: int,
    root: Path,
    new_channels: int = 0,
    new_briefs: int = 0,
) -> Result:
    """Subscribe `channels` channels (the first `new_channels` also to new briefs), add
    `new_briefs` new briefs, sweep once at the daily post time, and check the result."""
    content, url, engine = fresh_world(root, f"fanout-{fraction}", database_url)
    try:
        with slack_process(serve_slack, fraction, seed) as (ours, api_url):
            setup = Store(engine, clock=lambda: NOW - dt.timedelta(days=1))
            schedule = Schedule(dt.time(9, 0), "UTC", "daily")
            new = parse_subscription("new", "UTC")
            for n in range(channels):
                setup.subscribe(f"C{n:08d}", schedule, "U0ALICE")
                if n < new_channels:
                    setup.subscribe(f"C{n:08d}", new, "U0ALICE")
            # The briefs there before the bulk were seen by earlier sweeps.
            setup.record_seen(LiveContent(content).current.by_id, "before")
            add_new_briefs(content, new_briefs)
            store = Store(engine, clock=lambda: NOW)
            settings = Settings(
                bot_token=DEFAULT_BOT_TOKEN, api_url=api_url, content_dir=content, database_url=url
            )
            services = Services(settings, LiveContent(content), store, now=lambda: NOW)
            sweeper = Sweeper(
                services, WebClient(DEFAULT_BOT_TOKEN, base_url=api_url), workers=workers
            )
            started = time.perf_counter()
            report = sweeper.sweep()
            wall = time.perf_counter() - started
            # A minute later, with every post in the ledger: what each later sweep costs.
            services.now = lambda: NOW + dt.timedelta(minutes=1)
            started = time.perf_counter()
            again = sweeper.sweep(NOW + dt.timedelta(minutes=1))
            steady = time.perf_counter() - started
            ours.send("report")
            calls, messages = ours.recv()
            ours.send("stop")
            states = Counter(row.state.value for row in store.deliveries(since=NOW.date()))
    finally:
        engine.dispose()
    assert again.posted == [], "a sweep a minute later posted again"
    bound, floor, early, too_close = check_pacing(calls)
    per_new_channel = min(new_briefs, FLOOD_LIMIT) + (1 if new_briefs > FLOOD_LIMIT else 0)
    return Result(
        channels=channels,
        expected=channels + min(new_channels, channels) * per_new_channel,
        wall=wall,
        steady=steady,
        posted=len(report.posted),
        messages=messages,
        calls=calls,
        ratelimited=sum(1 for c in calls if c.status == 429),
        bound=bound,
        floor=floor,
        early=early,
        too_close=too_close,
        states=states,
    )


def check_pacing(calls: list[Call]) -> tuple[float, float, int, int]:
    """From Slack's record of the calls:

    - the least time the rate limits impose: for any one channel, a second between its
      posts plus its chain of Retry-After waits; the longest of any channel;
    - the earliest the sweep could have ended given when each channel was first tried:
      the latest (first call + that channel's least time), from the sweep's first call;
    - calls sent before a Retry-After had passed;
    - calls to one channel less than a second after its previous answer.
    """
    by_channel: dict[str, list[Call]] = defaultdict(list)
    for call in calls:
        by_channel[call.channel or ""].append(call)
    start = min((c.at for c in calls), default=0.0)
    bound = floor = 0.0
    early = too_close = 0
    for channel_calls in by_channel.values():
        channel_calls.sort(key=lambda c: c.at)
        waits = sum(float(c.retry_after or 0) for c in channel_calls if c.status == 429)
        posts = sum(1 for c in channel_calls if c.status == 200)
        least = waits + max(0, posts - 1) * 1.0
        bound = max(bound, least)
        floor = max(floor, channel_calls[0].at - start + least)
        for before, after in itertools.pairwise(channel_calls):
            gap = after.at - before.finished_at
            if before.status == 429 and gap < float(before.retry_after or 1):
                early += 1
            if gap < 1.0:
                too_close += 1
        early += sum(1 for c in channel_calls if c.early)
    return bound, floor, early, too_close


def describe(label: str, result: Result) -> list[str]:
    verdict = "yes" if result.exactly_once else "NO"
    return [
        f"{label}:",
        f"  channels {result.channels}, posts due {result.expected}, posted {result.posted}, "
        f"chat.postMessage calls {len(result.calls)}, of which 429 {result.ratelimited}",
        f"  every post exactly once: {verdict} "
        f"(messages per post: {dict(Counter(result.messages.values()))}, "
        f"ledger: {dict(result.states)})",
        f"  retries before Retry-After: {result.early}; calls to a channel under 1 s "
        f"apart: {result.too_close}",
        f"  wall time {result.wall:.2f} s; the rate limits alone impose {result.bound:.2f} s "
        f"(one channel's posts a second apart plus its Retry-After waits, the longest)",
        f"  given when each channel was first tried, it could not end before {result.floor:.2f} s",
        f"  the next sweep, a minute later, with nothing to post: {result.steady:.2f} s",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fanout", description=__doc__)
    parser.add_argument("--channels", type=int, default=10_000)
    parser.add_argument(
        "--new-channels", type=int, default=1000, help="channels also subscribed to new briefs"
    )
    parser.add_argument("--new-briefs", type=int, default=50, help="the bulk of new briefs")
    parser.add_argument("--fraction", type=float, default=0.1, help="share of posts answered 429")
    parser.add_argument("--workers", type=int, default=WORKERS, help="posting threads")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="run on a scratch database on this PostgreSQL server (default: a SQLite file), "
        "e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test",
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    print(
        f"briefbot fan-out, {dt.date.today().isoformat()}, Python "
        f"{platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"{args.workers} posting threads, {args.channels} channels ({args.new_channels} also "
        f"new briefs, a bulk of {args.new_briefs}), "
        f"{'PostgreSQL' if args.postgres else 'SQLite'}"
    )
    root = Path(tempfile.mkdtemp(prefix="briefbot-fanout-"))
    ok = True
    try:
        for label, fraction in (
            ("no faults", 0.0),
            (f"{args.fraction:.0%} of posts answered 429", args.fraction),
        ):
            with scratch_database(args.postgres) as url:
                result = run_fanout(
                    args.channels,
                    fraction,
                    args.workers,
                    url,
                    args.seed,
                    root,
                    args.new_channels,
                    args.new_briefs,
                )
            for line in describe(label, result):
                print(line)
            ok = ok and result.exactly_once and result.early == 0 and result.too_close == 0
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print("all checks passed" if ok else "CHECKS FAILED")
    return 0 if ok else 1


@contextlib.contextmanager
def scratch_database(server_url: str | None) -> Iterator[str | None]:
    """A fresh PostgreSQL database on `server_url`'s server for one run, dropped after."""
    if not server_url:
        yield None
        return
    from sqlalchemy import create_engine, make_url
    from sqlalchemy.pool import NullPool

    url = make_url(server_url)
    name = f"briefbot_fanout_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
