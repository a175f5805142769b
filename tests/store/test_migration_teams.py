"""Rows that belong to a team (revision 0007): a database written at revision 0006 keeps
its subscriptions, ledger, posted messages, claims and lookups, which a single-workspace
start-up adopts into its team at once; each team then sees only its own rows, and
forgetting a team leaves the others' alone; on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from bot.schedule import parse_subscription
from bot.store import DeliveryKey, Store, make_engine, upgrade

pytest_plugins = ("tests.support.databases",)

BEFORE_TEAMS = "0006"
MONDAY = dt.datetime(2024, 5, 6, 9, 0, tzinfo=dt.UTC)
DAY = MONDAY.date()
HOME, OTHER = "T0HOME", "T0OTHER"


def _stored(engine: Engine, value: dt.datetime) -> str:
    naive = value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
    return naive if engine.dialect.name == "sqlite" else naive + "+00:00"


def _seed_revision_0006(engine: Engine) -> None:
    """Rows as revision 0006 holds them, in plain SQL: C1 subscribed daily, its Monday post
    sent and recorded, a share claimed, and one lookup."""
    at = _stored(engine, MONDAY)
    statements = [
        "INSERT INTO subscriptions (channel_id, kind, post_time, timezone, days, created_by,"
        " source, paused, created_at, updated_at, tags) VALUES"
        " ('C1', 'daily', '09:00', 'UTC', 'daily', 'U1', 'slack', :no, :at, :at, '')",
        "INSERT INTO deliveries (channel_id, kind, slot, local_date, state, brief_id,"
        " content_version, message_ts, claimed_by, claimed_at, updated_at, attempts) VALUES"
        " ('C1', 'daily', '2024-05-06', '2024-05-06', 'posted', 'brief-a', 'v1', '1.1', 'w',"
        " :at, :at, 1)",
        "INSERT INTO posted_messages (channel_id, ts, brief_id, kind, posted_at) VALUES"
        " ('C1', '1.1', 'brief-a', 'daily', :at)",
        "INSERT INTO handled_once (key, claimed_at, state) VALUES ('share:C1:1.1:U1:a', :at,"
        " 'done')",
        "INSERT INTO lookups (at, kind, query, found, result) VALUES"
        " (:at, 'define', 'frontier', :no, NULL)",
    ]
    with engine.begin() as connection:
        for sql in statements:
            params = {"at": at, "no": False}
            connection.execute(text(sql), {k: v for k, v in params.items() if f":{k}" in sql})


@pytest.fixture
def upgraded(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    try:
        upgrade(engine, BEFORE_TEAMS)
        _seed_revision_0006(engine)
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()


def _later(engine: Engine) -> Store:
    return Store(engine, clock=lambda: MONDAY + dt.timedelta(hours=1))


def _rows_of(store: Store) -> tuple[object, ...]:
    delivery = store.delivery(DeliveryKey.daily("C1", DAY))
    return (
        [s.channel_id for s in store.subscriptions()],
        delivery.state if delivery else None,
        store.brief_for_message("C1", "1.1"),
        store.claim_once("share:C1:1.1:U1:a"),
        store.lookup_report(1).missed_terms,
    )


def test_the_home_team_adopts_every_row_kept_before_teams(upgraded: Engine) -> None:
    """Adopted once, in one go: the team goes on as before (nothing posted again, the
    share stays done, its lookups counted), and a second start-up moves nothing."""
    home = _later(upgraded).for_team(HOME)
    assert home.subscriptions() == []  # not adopted yet
    assert home.adopt_rows() == 5
    subscriptions, state, brief, claimed, missed = _rows_of(home)
    assert subscriptions == ["C1"]
    assert state == "posted"
    assert brief == "brief-a"
    assert claimed is False  # done before the upgrade: never again
    assert [(c.name, c.count) for c in missed] == [("frontier", 1)]  # type: ignore[attr-defined]
    assert home.adopt_rows() == 0
    assert home.claim(DeliveryKey.daily("C1", DAY), DAY, "brief-a", "v1", "w2") is False


def test_another_team_sees_none_of_the_home_teams_rows(upgraded: Engine) -> None:
    """The same channel id and claim key in another team are that team's own."""
    _later(upgraded).for_team(HOME).adopt_rows()
    other = _later(upgraded).for_team(OTHER)
    subscriptions, state, brief, claimed, missed = _rows_of(other)
    assert (subscriptions, state, brief, claimed, missed) == ([], None, None, True, ())
    assert other.unsubscribe("C1") is False
    assert other.pause("C1", "forged") is False
    home = _later(upgraded).for_team(HOME)
    assert [s.paused for s in home.subscriptions()] == [False]


def test_forgetting_a_team_closes_its_work_and_leaves_the_others(upgraded: Engine) -> None:
    """Its subscriptions, posted messages, claims and lookups go and its pending posts are
    closed as skipped; the other team's rows, same channel ids and all, stay."""
    home, other = _later(upgraded).for_team(HOME), _later(upgraded).for_team(OTHER)
    home.adopt_rows()
    spec = parse_subscription("09:00", "UTC")
    other.subscribe("C1", spec, "U2")
    for store in (home, other):
        store.claim(DeliveryKey.daily("C1", DAY + dt.timedelta(days=1)), DAY, "b", "v1", "w")
        store.claim_once("event:Ev1")
        store.record_lookup("brief", "chips", False, None)
    home.forget_rows("uninstalled")
    tuesday = DeliveryKey.daily("C1", DAY + dt.timedelta(days=1))
    assert home.subscriptions() == []
    assert home.brief_for_message("C1", "1.1") is None
    assert home.lookup_report(2).brief_lookups == 0
    assert home.claim_once("event:Ev1") is True  # installs again: starts clean
    closed = home.delivery(tuesday)
    assert closed is not None and closed.state == "skipped"
    assert home.mark_posting(tuesday, worker="w") is False  # nothing more is sent
    assert [s.channel_id for s in other.subscriptions()] == ["C1"]
    still = other.delivery(tuesday)
    assert still is not None and still.state == "claimed"
    assert other.lookup_report(2).brief_lookups == 1
    assert other.claim_once("event:Ev1") is False


@pytest.mark.slow
def test_a_single_workspace_serve_adopts_its_rows_into_the_team_auth_test_names(
    tmp_path: Path,
) -> None:
    """`briefbot serve` with SLACK_BOT_TOKEN over a database written at revision 0006:
    every row becomes the team auth.test names before it is ready, and /brief schedule
    there shows the channel's subscription as before."""
    from bot.localslack.inbound import TEAM_ID
    from tests.conftest import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET
    from tests.fakeslack import FakeSlack
    from tests.fakeslack.payloads import slash_command
    from tests.fakeslack.signed_http import post_form
    from tests.support.processes import serve_briefbot

    database = tmp_path / "bot.db"
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine, BEFORE_TEAMS)
    _seed_revision_0006(engine)
    engine.dispose()
    with (
        FakeSlack(bot_tokens=[BOT_TOKEN], app_tokens=[APP_TOKEN]) as slack,
        serve_briefbot(tmp_path, slack.api_url) as base,
    ):
        engine = make_engine(f"sqlite:///{database}")
        try:
            with engine.connect() as connection:
                teams = {
                    table: connection.execute(text(f"SELECT DISTINCT team_id FROM {table}")).all()
                    for table in ("subscriptions", "deliveries", "handled_once", "lookups")
                }
        finally:
            engine.dispose()
        assert all(rows == [(TEAM_ID,)] for rows in teams.values()), teams
        fields = slash_command("/brief", "schedule", channel_id="C1", team_id=TEAM_ID)
        reply = post_form(f"{base}/slack/events", fields, secret=SIGNING_SECRET)
        assert reply.status == 200
        assert "09:00" in reply.text, reply.text
