"""Fan-out across workspaces: 1,000 workspaces of 10 channels and one of 10,000, swept by
two replicas through a local Slack that limits each channel and each workspace.

    python -m bench.fanout_teams [--teams 1000] [--team-channels 10] [--big 10000]
                                 [--workspace-rate 100] [--fraction 0.1] [--replicas 2]
                                 [--workers 8] [--postgres URL] [--seed 1]

Every channel takes the daily brief, due at the sweep's time. The local Slack runs in a
process of its own and answers `chat.postMessage` like Slack: one message a second per
channel, at most `--workspace-rate` messages a second per workspace (Slack keeps such a
limit but publishes no figure: see bench/README.md), and a seeded `--fraction` of the
calls 429 with `Retry-After: 1` for that channel. `--replicas` processes sweep the same
database at once, each pacing every team at `--workspace-rate / --replicas` less two
calls a second (so that together they stay under the limit over any one second).

Checked from Slack's record of every call: every post on Slack exactly once by (team,
channel, kind, slot) and every ledger row `posted`; no call to a channel before the
Retry-After of that channel's own 429; no channel two calls within a second. Counted
beside them: calls over a workspace's limit, and calls refused while their workspace
waited out a 429 another call got (Slack tells only the call it refused). The wall
time stands beside the floor the limits impose (see `floor`).

Teams are real installations: each workspace is installed in the local Slack (a bot
token of its own) and in briefbot's installation store, and each channel is subscribed
by its team, so the replicas sweep as a deployment serving many workspaces over OAuth
does: every team with its own token, all teams in one fan-out. The local Slack counts
each call against the workspace of the token it carries.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import multiprocessing
import os
import platform
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Installation

from bench.fanout import (
    NOW,
    POST,
    _post_key,
    calls_for_checks,
    fresh_world,
    scratch_database,
    slack_process,
)
from bot.config import Settings
from bot.content.live import LiveContent
from bot.daily.pacing import Pacer
from bot.daily.sweep import WORKERS, Sweeper
from bot.installations import Installations
from bot.localslack import APP_ID, BOT_USER_ID, Call
from bot.schedule import Schedule
from bot.services import Services
from bot.store import DeliveryState, Store, make_engine
from tests.fakeslack import ScriptedSlack

BIG = "T0BIG"
CLIENT_ID, CLIENT_SECRET = "1111.2222", "bench-secret"
INSTALLER = "U0ALICE"


def channel_id(team: int, n: int) -> str:
    """The id of channel `n` of workspace `team` (0 is the big one)."""
    return f"C{team:05d}X{n:05d}"


def team_id(team: int) -> str:
    """The id of workspace `team` (0 is the big one)."""
    return BIG if team == 0 else f"T{team:05d}"


def team_of_channel(channel: str | None) -> str:
    """The workspace a benchmark channel belongs to, read from its id (for the checks)."""
    if not channel or not channel.startswith("C") or "X" not in channel:
        return ""
    return team_id(int(channel[1:].split("X", 1)[0]))


def serve_slack(
    connection: Connection, fraction: float, seed: int, workspace_rate: int, teams: list[str]
) -> None:
    """The local Slack in a process of its own, so that it does not share the sweeps' GIL;
    it sends back each team's bot token first."""
    with ScriptedSlack(strict_channels=False) as slack:
        slack.enable_oauth(CLIENT_ID, CLIENT_SECRET)
        tokens = {team: slack.install(team) for team in teams}
        if fraction > 0:
            slack.random_ratelimit(POST, fraction=fraction, retry_after=1, seed=seed)
        slack.rate_limit(
            POST, per_channel_per_second=1.0, grace=0.0, per_workspace_per_second=workspace_rate
        )
        connection.send(slack.api_url)
        connection.send(tokens)
        connection.recv()
        calls = calls_for_checks(slack)
        messages = Counter(
            (str(m.get("team")), *_post_key(m)) for m in slack.messages() if m.get("metadata")
        )
        connection.send((calls, messages))
        connection.recv()


def replica(
    url: str,
    content: str,
    api_url: str,
    team_interval: float,
    workers: int,
    barrier: Any,
    results: Any,
) -> None:
    """One replica: its own engine and sweeper; sweeps once after the barrier."""
    engine = make_engine(url)
    try:
        store = Store(engine, clock=lambda: NOW)
        settings = bench_settings(api_url, content, url)
        services = Services(
            settings,
            LiveContent(Path(content)),
            store,
            now=lambda: NOW,
            installations=Installations.open(settings, engine),
        )
        sweeper = Sweeper(
            services,
            WebClient(base_url=api_url),
            workers=workers,
            pacer=Pacer(team_interval=team_interval),
        )
        sweeper.sync_declared()
        barrier.wait(timeout=600)
        started = time.perf_counter()
        report = sweeper.sweep()
        ended = time.perf_counter()
        results.put((len(report.posted), len(report.failed), started, ended, None))
    except BaseException as error:
        results.put((0, 0, 0.0, 0.0, repr(error)))
    finally:
        engine.dispose()


def bench_settings(api_url: str, content: str, url: str | None) -> Settings:
    """A deployment serving many workspaces over OAuth: client credentials, no bot token."""
    return Settings(
        bot_token=None,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        api_url=api_url,
        content_dir=Path(content),
        database_url=url or "",
    )


def install_and_subscribe(
    engine: Any, settings: Settings, tokens: dict[str, str], channels: dict[str, list[str]]
) -> None:
    """Store each team's installation as the OAuth flow does, and subscribe its channels
    (the day before, at 09:00 UTC, daily) by that team."""
    installations = Installations.open(settings, engine)
    for team, token in tokens.items():
        installations.installation_store.save(
            Installation(
                app_id=APP_ID,
                team_id=team,
                bot_token=token,
                bot_user_id=BOT_USER_ID,
                user_id=INSTALLER,
            )
        )
    store = Store(engine, clock=lambda: NOW - dt.timedelta(days=1))
    schedule = Schedule(dt.time(9, 0), "UTC", "daily")
    for team, ids in channels.items():
        subscriptions = store.for_team(team)
        for channel in ids:
            subscriptions.subscribe(channel, schedule, INSTALLER)


@dataclass
class Result:
    channels: int
    teams: int
    wall: float
    posted: int
    failed: int
    messages: Counter[tuple[str, str, str, str]]
    calls: list[Call]
    states: Counter[str]
    floor: float
    earliest: float
    early: int
    held: int
    too_close: int
    over_workspace: int

    @property
    def ratelimited(self) -> int:
        return sum(1 for c in self.calls if c.status == 429)

    @property
    def exactly_once(self) -> bool:
        return (
            len(self.messages) == self.channels
            and set(self.messages.values()) == {1}
            and self.states == Counter({DeliveryState.POSTED.value: self.channels})
        )


def run(
    *,
    teams: int,
    team_channels: int,
    big: int,
    fraction: float,
    workspace_rate: int,
    replicas: int,
    workers: int,
    database_url: str | None,
    seed: int,
    root: Path,
) -> Result:
    content, url, engine = fresh_world(root, f"teams-{fraction}", database_url)
    spawn = multiprocessing.get_context("spawn")
    try:
        by_team = {team_id(0): [channel_id(0, n) for n in range(big)]}
        for t in range(1, teams + 1):
            by_team[team_id(t)] = [channel_id(t, n) for n in range(team_channels)]
        channels = [channel for ids in by_team.values() for channel in ids]
        serving = (fraction, seed, workspace_rate, list(by_team))
        with slack_process(serve_slack, *serving) as (ours, api_url):
            tokens = ours.recv()
            settings = bench_settings(api_url, str(content), url)
            install_and_subscribe(engine, settings, tokens, by_team)
            barrier = spawn.Barrier(replicas + 1)
            results = spawn.Queue()
            # Each replica spaces a team's calls evenly, but n calls sent 1/n s apart can
            # land n + 1 in one second, and one more when a call is slower on its way than
            # the next: each replica takes two calls a second fewer than its share.
            team_interval = 1 / (workspace_rate / replicas - 2)
            workers_ = [
                spawn.Process(
                    target=replica,
                    args=(url, str(content), api_url, team_interval, workers, barrier, results),
                )
                for _ in range(replicas)
            ]
            for process in workers_:
                process.start()
            barrier.wait(timeout=600)
            done = [results.get(timeout=3600) for _ in workers_]
            for process in workers_:
                process.join(timeout=60)
            errors = [d[4] for d in done if d[4]]
            if errors:
                raise RuntimeError(f"a replica failed: {errors}")
            wall = max(d[3] for d in done) - min(d[2] for d in done)
            ours.send("report")
            calls, messages = ours.recv()
            ours.send("stop")
            store = Store(engine, clock=lambda: NOW)
            states = Counter(
                row.state.value
                for team in by_team
                for row in store.for_team(team).deliveries(since=NOW.date())
            )
    finally:
        engine.dispose()
    floor, earliest, early, held, too_close = check(calls, workspace_rate)
    return Result(
        channels=len(channels),
        teams=teams + 1,
        wall=wall,
        posted=sum(d[0] for d in done),
        failed=sum(d[1] for d in done),
        messages=messages,
        calls=calls,
        states=states,
        floor=floor,
        earliest=earliest,
        early=early,
        held=held,
        too_close=too_close,
        over_workspace=sum(1 for c in calls if c.fault == "workspace_rate_limit"),
    )


def check(calls: list[Call], workspace_rate: int) -> tuple[float, float, int, int, int]:
    """From Slack's record of the calls:

    - the floor the limits impose: for each workspace the longer of (a) its slowest
      channel's chain, a second between that channel's posts plus its Retry-After
      waits, and (b) its calls (every attempt counts against the workspace's limit)
      less one, over the workspace rate; the longest of any workspace:
      floor = max over teams of max(max over channels (posts - 1 + waits), (calls - 1) / rate);
    - the earliest end given when each workspace was first called: the latest of
      (first call + that floor of the workspace), from the first call of all;
    - calls to a channel before the Retry-After of that channel's own 429 had passed
      (the sender was told to wait: none may come early), and calls to a channel under
      1 s apart;
    - calls refused only because their workspace was waiting out a 429 that another
      call got (another replica's, or another channel's): Slack says nothing to the
      other senders, so these are counted, not failed.
    """
    by_team: dict[str, list[Call]] = defaultdict(list)
    for call in calls:
        by_team[team_of_channel(call.channel)].append(call)
    start = min((c.at for c in calls), default=0.0)
    floor = earliest = 0.0
    early = held = too_close = 0
    for team_calls in by_team.values():
        by_channel: dict[str, list[Call]] = defaultdict(list)
        for call in team_calls:
            by_channel[call.channel or ""].append(call)
        chain = 0.0
        for channel_calls in by_channel.values():
            channel_calls.sort(key=lambda c: c.at)
            waits = sum(float(c.retry_after or 0) for c in channel_calls if c.status == 429)
            posts = sum(1 for c in channel_calls if c.status == 200)
            chain = max(chain, waits + max(0, posts - 1))
            told: set[int] = set()
            for index, (before, after) in enumerate(itertools.pairwise(channel_calls), 1):
                gap = after.at - before.finished_at
                if before.status == 429 and gap < float(before.retry_after or 1):
                    told.add(index)
                if gap < 1.0:
                    too_close += 1
            early += len(told)
            held += sum(1 for i, c in enumerate(channel_calls) if c.early and i not in told)
        least = max(chain, (len(team_calls) - 1) / workspace_rate)
        floor = max(floor, least)
        earliest = max(earliest, min(c.at for c in team_calls) - start + least)
    return floor, earliest, early, held, too_close


def describe(label: str, result: Result) -> list[str]:
    verdict = "yes" if result.exactly_once else "NO"
    return [
        f"{label}:",
        f"  workspaces {result.teams}, channels {result.channels}, posted {result.posted} "
        f"(failed {result.failed}), chat.postMessage calls {len(result.calls)}, of which "
        f"429 {result.ratelimited} (over a workspace's limit: {result.over_workspace})",
        f"  every post exactly once by (team, channel, kind, slot): {verdict} "
        f"(messages per post: {dict(Counter(result.messages.values()))}, "
        f"ledger: {dict(result.states)})",
        f"  calls before their channel's Retry-After: {result.early}; refused while their "
        f"workspace waited out another call's 429: {result.held}; calls to a channel under "
        f"1 s apart: {result.too_close}",
        f"  wall time {result.wall:.2f} s; the limits impose {result.floor:.2f} s "
        f"(ratio {result.wall / max(result.floor, 1e-9):.2f}); given when each workspace "
        f"was first called, it could not end before {result.earliest:.2f} s",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fanout_teams", description=__doc__)
    parser.add_argument("--teams", type=int, default=1000, help="small workspaces")
    parser.add_argument("--team-channels", type=int, default=10, help="channels in each")
    parser.add_argument("--big", type=int, default=10_000, help="channels of the big workspace")
    parser.add_argument(
        "--workspace-rate", type=int, default=100, help="messages a second per workspace"
    )
    parser.add_argument("--fraction", type=float, default=0.1, help="share of calls answered 429")
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--workers", type=int, default=WORKERS, help="posting threads a replica")
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server (default SQLite)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-baseline", action="store_true", help="only the run with 429s")
    args = parser.parse_args(argv)
    print(
        f"briefbot fan-out across workspaces, {dt.date.today().isoformat()}, Python "
        f"{platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"{args.replicas} replicas x {args.workers} posting threads, {args.teams} workspaces "
        f"x {args.team_channels} channels + one of {args.big}, workspace limit "
        f"{args.workspace_rate}/s, {'PostgreSQL' if args.postgres else 'SQLite'}"
    )
    root = Path(tempfile.mkdtemp(prefix="briefbot-fanout-teams-"))
    ok = True
    runs = [(f"{args.fraction:.0%} of calls answered 429", args.fraction)]
    if not args.skip_baseline:
        runs.insert(0, ("no faults", 0.0))
    try:
        for label, fraction in runs:
            with scratch_database(args.postgres) as url:
                result = run(
                    teams=args.teams,
                    team_channels=args.team_channels,
                    big=args.big,
                    fraction=fraction,
                    workspace_rate=args.workspace_rate,
                    replicas=args.replicas,
                    workers=args.workers,
                    database_url=url,
                    seed=args.seed,
                    root=root,
                )
            for line in describe(label, result):
                print(line, flush=True)
            ok = ok and result.exactly_once and result.early == 0 and result.too_close == 0
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print("all checks passed" if ok else "CHECKS FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
