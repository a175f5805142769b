"""Upgrading to one table for everything done once (revision 0005): a database written at
revision 0004 keeps its event and share claims, its related-briefs threads and its
Explain terms replies, and nothing is posted again, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine, inspect, text

from bot.slack import blocks
from bot.store import Store, make_engine, upgrade
from tests.fakeslack import ScriptedSlack

if TYPE_CHECKING:
    from tests.support.bot import BotHarness

pytest_plugins = ("tests.support.databases", "tests.support.bot")

BEFORE_ONE_TABLE = "0004"
CLAIMED = dt.datetime(2024, 5, 6, 9, 0, tzinfo=dt.UTC)
DISTILLATION = "ai-distillation-national-security"
THREADED, UNSETTLED = "1714986000.000100", "1714986000.000300"
EXPLAINED, UNEXPLAINED = "1714986000.000500", "1714986000.000700"
SHARE = f"share:C1:1714985000.000100:U1:{DISTILLATION}"


def _stored(engine: Engine, value: dt.datetime) -> str:
    naive = value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
    return naive if engine.dialect.name == "sqlite" else naive + "+00:00"


def _seed_revision_0004(engine: Engine) -> None:
    """Rows as revision 0004 holds them, written with plain SQL against it: an event and
    a share claimed; a related thread posted under one message and claimed (its reply
    never recorded) under another; the same for two Explain terms replies."""
    statements = [
        "INSERT INTO handled_once (key, claimed_at) VALUES ('event:Ev1', :at), (:share, :at)",
        "INSERT INTO related_threads (channel_id, parent_ts, reply_ts, created_at) VALUES"
        " ('C1', :threaded, '1714986000.000200', :at), ('C1', :unsettled, NULL, :at)",
        "INSERT INTO explained_messages (channel_id, message_ts, reply_ts, created_at) VALUES"
        " ('C1', :explained, '1714986000.000600', :at), ('C1', :unexplained, NULL, :at)",
    ]
    params = {
        "at": _stored(engine, CLAIMED),
        "share": SHARE,
        "threaded": THREADED,
        "unsettled": UNSETTLED,
        "explained": EXPLAINED,
        "unexplained": UNEXPLAINED,
    }
    with engine.begin() as connection:
        for sql in statements:
            connection.execute(text(sql), {k: v for k, v in params.items() if f":{k}" in sql})


@pytest.fixture
def upgraded(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    try:
        upgrade(engine, BEFORE_ONE_TABLE)
        _seed_revision_0004(engine)
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()


def test_every_claim_moves_to_the_one_table(upgraded: Engine) -> None:
    """Threads and explanations become "related:" and "explain:" claims, done, with their
    reply where one was recorded; the old tables are gone."""
    store = Store(upgraded, clock=lambda: CLAIMED + dt.timedelta(hours=1))
    expected = {
        f"related:C1:{THREADED}": "1714986000.000200",
        f"related:C1:{UNSETTLED}": None,
        f"explain:C1:{EXPLAINED}": "1714986000.000600",
        f"explain:C1:{UNEXPLAINED}": None,
        "event:Ev1": None,
        SHARE: None,
    }
    for key, reply_ts in expected.items():
        claim = store.once_claim(key)
        assert claim is not None, key
        assert (claim.state, claim.reply_ts, claim.claimed_at) == ("done", reply_ts, CLAIMED)
        assert store.claim_once(key) is False
        assert store.release_once(key) is False  # done: never posted again
    tables = set(inspect(upgraded).get_table_names())
    assert "handled_once" in tables
    assert not tables & {"related_threads", "explained_messages"}


def test_events_and_shares_are_still_forgotten_a_day_after_their_claim(upgraded: Engine) -> None:
    """An event or share claimed before the upgrade is forgotten a day after its claim, as
    before; threads and explanations are kept for good."""
    later = Store(upgraded, clock=lambda: CLAIMED + dt.timedelta(days=1, seconds=1))
    assert later.claim_once("event:Ev1") is True
    assert later.claim_once(SHARE) is True
    assert later.claim_once(f"related:C1:{THREADED}", keep=None) is False
    assert later.claim_once(f"explain:C1:{EXPLAINED}", keep=None) is False


@pytest.fixture
def upgraded_bot(upgraded: Engine, content_dir: Path, database_url: str) -> Iterator[BotHarness]:
    from tests.support.bot import make_harness

    with ScriptedSlack() as slack:
        slack.add_channel("C1", "briefs")
        bot = make_harness(slack, content_dir, database_url)
        yield bot
        bot.services.store.engine.dispose()


def test_a_thread_posted_before_the_upgrade_is_not_posted_again(upgraded_bot: BotHarness) -> None:
    """Related briefs pressed on a message threaded before the upgrade (its reply known or
    not) posts nothing and says the briefs are already in its thread."""
    for parent in (THREADED, UNSETTLED):
        message = {"type": "message", "ts": parent, "text": "a brief", "user": "U0BRIEFBOT"}
        sent = upgraded_bot.click(
            blocks.RELATED_BRIEFS, DISTILLATION, channel="C1", message=message
        )
        (pointer,) = upgraded_bot.responses_to(sent)
        assert "already in" in pointer["text"]
    assert upgraded_bot.slack.calls_to("chat.postMessage") == []
