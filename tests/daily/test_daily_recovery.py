"""A process that dies mid-post: between claiming and posting, and between posting and
recording the message ts. The next sweep finds the stale claim and posts it once,
finds the post in Slack, or marks it unknown and says so: never a duplicate, never a
silent loss. Two tests kill a real `briefbot post-daily` process with SIGKILL."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import time
import zoneinfo
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from slack_sdk import WebClient

from bot.daily.post import EVENT_TYPE, daily_message, metadata_key, post_metadata, send_post
from bot.model import Brief
from bot.slack.web_answers import Outcome
from bot.store import DeliveryKey, DeliveryKind, DeliveryState

if TYPE_CHECKING:
    from tests.support.daily import DailyWorld

pytest_plugins = ("tests.support.daily", "tests.support.databases")

HELSINKI = zoneinfo.ZoneInfo("Europe/Helsinki")
MONDAY = dt.date(2024, 5, 6)
AT_NINE = dt.datetime(2024, 5, 6, 9, 0, 30, tzinfo=HELSINKI)
STALE = dt.timedelta(minutes=2)
POST = "chat.postMessage"


def send_daily(client: WebClient, channel: str, brief: Brief, local_date: dt.date) -> Outcome:
    """Post `brief` as `channel`'s daily brief for `local_date` as the sweep does, once."""
    key = DeliveryKey.daily(channel, local_date)
    return send_post(
        client, channel, daily_message(brief), post_metadata(key, brief.id, local_date)
    )


def dead_claim(world: DailyWorld, channel: str, at: dt.datetime, *, posting: bool) -> str:
    """Leave the ledger as a process killed at `at` leaves it; return the brief id."""
    world.clock.set(at)
    library = world.services.library
    brief_id = library.briefs[0].id
    assert world.store.claim(
        DeliveryKey.daily(channel, MONDAY), MONDAY, brief_id, library.version, "dead-host:1:0"
    )
    if posting:
        assert world.store.mark_posting(DeliveryKey.daily(channel, MONDAY), worker="dead-host:1:0")
    return brief_id


def test_killed_between_claim_and_post_is_posted_once_when_stale(daily: DailyWorld) -> None:
    """A `claimed` row of a dead process: left alone while it may be alive, then adopted
    and posted exactly once."""
    daily.subscribe("C0DEAD")
    dead_claim(daily, "C0DEAD", AT_NINE, posting=False)
    sweeper = daily.sweeper(stale_after=STALE)
    assert daily.sweep(AT_NINE + dt.timedelta(minutes=1), sweeper).posted == []
    assert daily.daily_posts() == []
    report = daily.sweep(AT_NINE + dt.timedelta(minutes=3), sweeper)
    assert [e.channel_id for e in report.posted] == ["C0DEAD"]
    daily.sweep(AT_NINE + dt.timedelta(minutes=10), sweeper)
    assert len(daily.daily_posts("C0DEAD")) == 1
    row = daily.store.delivery(DeliveryKey.daily("C0DEAD", MONDAY))
    assert row is not None and row.state == DeliveryState.POSTED
    assert row.claimed_by == sweeper.worker


def test_killed_claim_found_after_the_window_is_skipped(daily: DailyWorld) -> None:
    """A `claimed` row found stale only after the catch-up window: skipped, with the reason."""
    daily.subscribe("C0DEAD")
    dead_claim(daily, "C0DEAD", AT_NINE, posting=False)
    report = daily.sweep(AT_NINE + dt.timedelta(hours=4), daily.sweeper(stale_after=STALE))
    assert [e.channel_id for e in report.skipped] == ["C0DEAD"]
    row = daily.store.delivery(DeliveryKey.daily("C0DEAD", MONDAY))
    assert row is not None and row.state == DeliveryState.SKIPPED and daily.daily_posts() == []


def test_killed_after_posting_is_reconciled_from_history(daily: DailyWorld) -> None:
    """Posted, then killed before recording the ts: the post is found by its metadata and
    recorded with its ts; nothing is posted again."""
    daily.subscribe("C0DEAD")
    brief_id = dead_claim(daily, "C0DEAD", AT_NINE, posting=True)
    sent = send_daily(daily.client(), "C0DEAD", daily.services.library.by_id[brief_id], MONDAY)
    report = daily.sweep(AT_NINE + dt.timedelta(minutes=5), daily.sweeper(stale_after=STALE))
    assert [(e.channel_id, e.ts) for e in report.reconciled] == [("C0DEAD", sent.ts)]
    row = daily.store.delivery(DeliveryKey.daily("C0DEAD", MONDAY))
    assert row is not None and row.state == DeliveryState.POSTED and row.message_ts == sent.ts
    assert daily.store.brief_for_message("C0DEAD", str(sent.ts)) == brief_id
    assert len(daily.daily_posts("C0DEAD")) == 1


def test_killed_after_posting_without_history_scope_is_unknown_and_reported(
    daily: DailyWorld,
) -> None:
    """Same, but the bot may not read history (the default scopes): `unknown`, the admins
    are told, and it is never posted again."""
    daily.subscribe("C0DEAD")
    brief_id = dead_claim(daily, "C0DEAD", AT_NINE, posting=True)
    send_daily(daily.client(), "C0DEAD", daily.services.library.by_id[brief_id], MONDAY)
    daily.slack.fail("conversations.history", error="missing_scope", times=None)
    sweeper = daily.sweeper(stale_after=STALE)
    report = daily.sweep(AT_NINE + dt.timedelta(minutes=5), sweeper)
    assert [e.channel_id for e in report.unknown] == ["C0DEAD"]
    assert "missing_scope" in report.unknown[0].detail
    (dm,) = daily.dms(daily.admin)
    assert "<#C0DEAD>" in str(dm["blocks"])
    daily.sweep(AT_NINE + dt.timedelta(minutes=30), sweeper)
    assert len(daily.daily_posts("C0DEAD")) == 1
    row = daily.store.delivery(DeliveryKey.daily("C0DEAD", MONDAY))
    assert row is not None and row.state == DeliveryState.UNKNOWN


def test_killed_while_posting_before_slack_acted_is_posted_once(daily: DailyWorld) -> None:
    """`posting`, but the history shows the post never arrived: it is sent once more."""
    daily.subscribe("C0DEAD")
    dead_claim(daily, "C0DEAD", AT_NINE, posting=True)
    report = daily.sweep(AT_NINE + dt.timedelta(minutes=5), daily.sweeper(stale_after=STALE))
    assert [e.channel_id for e in report.posted] == ["C0DEAD"]
    assert len(daily.daily_posts("C0DEAD")) == 1


# --- real processes killed with SIGKILL ------------------------------------------------


def start_post_daily(world: DailyWorld, tmp_path: Path) -> subprocess.Popen:
    log = (tmp_path / "post-daily.log").open("w")
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "post-daily"],
        cwd=tmp_path,
        env=world.env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def due_just_now(world: DailyWorld) -> tuple[dt.datetime, dt.date]:
    """Subscribe C0KILL so that a post was due five minutes ago (real time, UTC)."""
    day = world.subscribe_due_now("C0KILL")
    return world.clock.now, day


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    assert process.returncode == -signal.SIGKILL


@pytest.mark.slow
def test_sigkill_after_slack_posted_leaves_one_post(daily: DailyWorld, tmp_path: Path) -> None:
    """`briefbot post-daily` killed after Slack stored the post but before the answer came:
    the next sweep finds the post and records its ts; one message in all."""
    now, day = due_just_now(daily)
    daily.slack.fail(POST, delay=30, after_applying=True)
    process = start_post_daily(daily, tmp_path)
    try:
        daily.slack.wait_for(lambda: daily.daily_posts("C0KILL"), timeout=60)
    finally:
        kill(process)
    row = daily.store.delivery(DeliveryKey.daily("C0KILL", day))
    assert row is not None and row.state == DeliveryState.POSTING and row.message_ts is None
    report = daily.sweep(now + dt.timedelta(minutes=1), daily.sweeper(stale_after=dt.timedelta()))
    (post,) = daily.daily_posts("C0KILL")
    assert [(e.channel_id, e.ts) for e in report.reconciled] == [("C0KILL", post["ts"])]
    row = daily.store.delivery(DeliveryKey.daily("C0KILL", day))
    assert row is not None and row.state == DeliveryState.POSTED and row.message_ts == post["ts"]


@pytest.mark.slow
def test_sigkill_before_slack_acted_posts_once_after(daily: DailyWorld, tmp_path: Path) -> None:
    """`briefbot post-daily` killed while its request hangs and Slack never posts it:
    the next sweep sees nothing in the history and posts it, once."""
    now, day = due_just_now(daily)
    held = daily.slack.fail(POST, status=503, delay=30)  # held, then refused: never stored
    process = start_post_daily(daily, tmp_path)
    try:
        daily.slack.wait_for(lambda: held.hits, timeout=60)  # the request is at Slack
    finally:
        kill(process)
    row = daily.store.delivery(DeliveryKey.daily("C0KILL", day))
    assert row is not None and row.state == DeliveryState.POSTING
    assert daily.daily_posts() == []
    report = daily.sweep(now + dt.timedelta(minutes=1), daily.sweeper(stale_after=dt.timedelta()))
    assert [e.channel_id for e in report.posted] == ["C0KILL"]
    assert len(daily.daily_posts("C0KILL")) == 1


# --- a post in doubt adopted twice: a history lookup that failed, an adopter that died --


def sent_twenty_minutes_ago(world: DailyWorld, channel: str, day: dt.date) -> tuple[str, str]:
    """A post that went out 20 minutes ago (Slack's ts says so) from a process that died
    before recording it: its row is `posting` since then. Returns (brief id, ts)."""
    real_now = world.clock.now
    sent_at = real_now - dt.timedelta(minutes=20)
    world.clock.set(sent_at)
    library = world.services.library
    brief_id = library.briefs[0].id
    assert world.store.claim(
        DeliveryKey.daily(channel, day), day, brief_id, library.version, "dead-host:1:0"
    )
    assert world.store.mark_posting(DeliveryKey.daily(channel, day), worker="dead-host:1:0")
    world.slack.api.clock = sent_at.timestamp
    try:
        sent = send_daily(world.client(), channel, library.by_id[brief_id], day)
    finally:
        world.slack.api.clock = time.time
        world.clock.set(real_now)
    assert sent.ts is not None
    return brief_id, sent.ts


def adopt_again_later(world: DailyWorld, channel: str, day: dt.date, ts: str) -> None:
    """A sweep 11 minutes on (the first adopter's claim is stale by then) finds the post
    in the history and records it; nothing is posted again."""
    report = world.sweep(world.clock.now + dt.timedelta(minutes=11), world.sweeper())
    assert [(e.channel_id, e.ts) for e in report.reconciled] == [(channel, ts)], report.lines()
    assert report.posted == []
    assert [m["ts"] for m in world.daily_posts(channel)] == [ts]
    row = world.store.delivery(DeliveryKey.daily(channel, day))
    assert row is not None and row.state == DeliveryState.POSTED and row.message_ts == ts


def post_daily(world: DailyWorld, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "post-daily"],
        cwd=tmp_path,
        env=world.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("status", [429, 503])
def test_post_in_doubt_whose_lookup_failed_is_found_by_the_next_adopter(
    daily_on: DailyWorld, tmp_path: Path, status: int
) -> None:
    """`briefbot post-daily` adopts a post in doubt but Slack answers its history lookup
    with a 429 or a 5xx: the post stays in doubt (listed, exit 1), and the next adopter
    searches from the first claim, finds the post and records it: one message in all."""
    world = daily_on
    day = world.subscribe_due_now("C0TWICE", minutes_ago=30)
    brief_id, ts = sent_twenty_minutes_ago(world, "C0TWICE", day)
    world.slack.fail("conversations.history", status=status, times=None)
    done = post_daily(world, tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"in doubt: C0TWICE {day.isoformat()}: {brief_id}" in done.stdout
    assert "1 in doubt" in done.stdout
    row = world.store.delivery(DeliveryKey.daily("C0TWICE", day))
    assert row is not None and row.state == DeliveryState.POSTING
    assert row.claimed_by != "dead-host:1:0"
    world.slack.clear_faults()
    adopt_again_later(world, "C0TWICE", day, ts)


@pytest.mark.slow
def test_post_in_doubt_whose_adopter_died_during_the_lookup_is_found_by_the_next(
    daily_on: DailyWorld, tmp_path: Path
) -> None:
    """`briefbot post-daily` adopts a post in doubt and is killed while its history lookup
    hangs: the next adopter still searches from the first claim and finds the post."""
    world = daily_on
    day = world.subscribe_due_now("C0TWICE", minutes_ago=30)
    _, ts = sent_twenty_minutes_ago(world, "C0TWICE", day)
    held = world.slack.fail("conversations.history", delay=30)
    process = start_post_daily(world, tmp_path)
    try:
        world.slack.wait_for(lambda: held.hits, timeout=60)  # the lookup is at Slack
    finally:
        kill(process)
    row = world.store.delivery(DeliveryKey.daily("C0TWICE", day))
    assert row is not None and row.state == DeliveryState.POSTING
    assert row.claimed_by != "dead-host:1:0"
    adopt_again_later(world, "C0TWICE", day, ts)


@pytest.mark.parametrize(
    ("key", "payload"),
    [
        (DeliveryKey.daily("C1", MONDAY), {"brief_id": "b1", "local_date": "2024-05-06"}),
        (
            DeliveryKey.weekly("C1", MONDAY),
            {"brief_id": "b1", "local_date": "2024-05-06", "kind": "weekly", "slot": "2024-W19"},
        ),
        (
            DeliveryKey.new_brief("C1", "b1"),
            {"brief_id": "b1", "local_date": "2024-05-06", "kind": "new", "slot": "b1"},
        ),
        (
            DeliveryKey.more("C1", MONDAY),
            {"brief_id": "b1", "local_date": "2024-05-06", "kind": "more", "slot": "2024-05-06"},
        ),
    ],
)
def test_a_post_is_found_again_by_the_key_its_metadata_names(
    key: DeliveryKey, payload: dict[str, str]
) -> None:
    """Each post's metadata names its ledger key (a daily post's, as ever, without a kind),
    and reading the metadata back gives that key, in that channel only."""
    metadata = post_metadata(key, "b1", MONDAY)
    assert metadata == {"event_type": EVENT_TYPE, "event_payload": payload}
    assert metadata_key("C1", {"metadata": metadata}) == key
    assert metadata_key("C2", {"metadata": metadata}) != key


def test_messages_that_are_not_the_sweeps_posts_name_no_key() -> None:
    """Another app's metadata, a kind briefbot does not post, or none at all: no key."""
    other = {"event_type": "someone_else", "event_payload": {"local_date": "2024-05-06"}}
    unknown = {"event_type": EVENT_TYPE, "event_payload": {"kind": "monthly", "slot": "x"}}
    assert metadata_key("C1", {"metadata": other}) is None
    assert metadata_key("C1", {"metadata": unknown}) is None
    assert metadata_key("C1", {"text": "hello"}) is None
    assert DeliveryKey.daily("C1", MONDAY).kind is DeliveryKind.DAILY
