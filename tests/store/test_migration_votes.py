"""Votes (revision 0008): a database written at revision 0007 upgrades with every row it
held, on SQLite and PostgreSQL, and then keeps one vote per person per item, per team."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, inspect, text

from bot.model import ItemKind, Vote
from bot.store import Store, current_revision, make_engine, upgrade

pytest_plugins = ("tests.support.databases",)

BEFORE_VOTES, VOTES = "0007", "0008"
MONDAY = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
HOME = "T0HOME"


def _seed_revision_0007(engine: Engine) -> None:
    """A subscription, a lookup and a done claim of team T0HOME, as 0007 holds them."""
    naive = MONDAY.replace(tzinfo=None).isoformat(sep=" ")
    at = naive if engine.dialect.name == "sqlite" else naive + "+00:00"
    statements = [
        "INSERT INTO subscriptions (team_id, channel_id, kind, post_time, timezone, days,"
        " created_by, source, paused, created_at, updated_at, tags) VALUES"
        " ('T0HOME', 'C1', 'daily', '09:00', 'UTC', 'daily', 'U1', 'slack', :no, :at, :at, '')",
        "INSERT INTO lookups (team_id, at, kind, query, found, result) VALUES"
        " ('T0HOME', :at, 'define', 'frontier', :no, NULL)",
        "INSERT INTO handled_once (team_id, key, claimed_at, state) VALUES"
        " ('T0HOME', 'share:C1:1.1:U1:a', :at, 'done')",
    ]
    with engine.begin() as connection:
        for sql in statements:
            params = {"at": at, "no": False}
            connection.execute(text(sql), {k: v for k, v in params.items() if f":{k}" in sql})


@pytest.fixture
def at_0007(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    try:
        upgrade(engine, BEFORE_VOTES)
        _seed_revision_0007(engine)
        yield engine
    finally:
        engine.dispose()


def test_a_database_at_0007_upgrades_to_votes_keeping_its_rows(at_0007: Engine) -> None:
    assert "votes" not in inspect(at_0007).get_table_names()
    upgrade(at_0007, VOTES)
    assert current_revision(at_0007) == VOTES
    upgrade(at_0007)  # and on to the newest, whatever came after
    store = Store(at_0007, clock=lambda: MONDAY + dt.timedelta(hours=1)).for_team(HOME)
    assert [s.channel_id for s in store.subscriptions()] == ["C1"]
    assert [c.name for c in store.lookup_report(1).missed_terms] == ["frontier"]
    assert store.claim_once("share:C1:1.1:U1:a") is False  # done before: never again
    assert store.vote_report(1).votes == 0
    out = store.cast_vote("U1", ItemKind.TERM, ["Frontier model"], Vote.UP, "1796634000.1")
    assert out.counted and out.vote == Vote.UP
    assert store.cast_vote("U1", ItemKind.TERM, ["Frontier model"], Vote.UP, "1796634000.1") == (
        type(out)(False, Vote.UP, Vote.UP, 1)
    )
    assert [(t.name, t.up) for t in store.vote_report(1).terms] == [("Frontier model", 1)]
    assert store.for_team("T0AWAY").vote_report(1).terms == ()
