"""People who get briefs in their DMs (revision 0010): a database written at revision
0007 upgrades with every team's rows intact, learns the people table and the catch-up
digest's ledger kind (and still refuses any other kind); each team's people are its own;
on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from bot.schedule import parse_subscription
from bot.store import DeliveryKey, DeliveryKind, DeliveryState, Store, make_engine, upgrade

pytest_plugins = ("tests.support.databases",)

BEFORE_PEOPLE = "0007"
MONDAY = dt.datetime(2024, 5, 6, 9, 0, tzinfo=dt.UTC)
DAY = MONDAY.date()
HOME, OTHER = "T0HOME", "T0OTHER"


def _stored(engine: Engine, value: dt.datetime) -> str:
    naive = value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
    return naive if engine.dialect.name == "sqlite" else naive + "+00:00"


def _seed_revision_0007(engine: Engine) -> None:
    """Rows as revision 0007 holds them: T0HOME's C1 subscribed daily and its Monday post."""
    at = _stored(engine, MONDAY)
    statements = [
        "INSERT INTO subscriptions (team_id, channel_id, kind, post_time, timezone, days,"
        " created_by, source, paused, created_at, updated_at, tags) VALUES"
        " ('T0HOME', 'C1', 'daily', '09:00', 'UTC', 'daily', 'U1', 'slack', :no, :at, :at, '')",
        "INSERT INTO deliveries (team_id, channel_id, kind, slot, local_date, state, brief_id,"
        " content_version, message_ts, claimed_by, claimed_at, updated_at, attempts) VALUES"
        " ('T0HOME', 'C1', 'daily', '2024-05-06', '2024-05-06', 'posted', 'brief-a', 'v1',"
        " '1.1', 'w', :at, :at, 1)",
    ]
    with engine.begin() as connection:
        for sql in statements:
            params = {"at": at, "no": False}
            connection.execute(text(sql), {k: v for k, v in params.items() if f":{k}" in sql})


@pytest.fixture
def upgraded(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    try:
        upgrade(engine, BEFORE_PEOPLE)
        _seed_revision_0007(engine)
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()


def _store(engine: Engine, team: str) -> Store:
    return Store(engine, clock=lambda: MONDAY + dt.timedelta(hours=1)).for_team(team)


def test_rows_written_at_0007_survive_and_the_new_kind_is_taken(upgraded: Engine) -> None:
    home = _store(upgraded, HOME)
    assert [s.channel_id for s in home.subscriptions()] == ["C1"]
    posted = home.delivery(DeliveryKey.daily("C1", DAY))
    assert posted is not None and posted.state is DeliveryState.POSTED
    assert home.claim(DeliveryKey.daily("C1", DAY), DAY, "brief-a", "v1", "w2") is False
    assert home.people() == []
    key = DeliveryKey.catch_up("D0DANA", MONDAY)
    assert home.hold([key], DAY, "v1", "w", "nothing was missed") is True
    row = home.delivery(key)
    assert row is not None and row.kind is DeliveryKind.CATCHUP
    with pytest.raises(IntegrityError), upgraded.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO deliveries (team_id, channel_id, kind, slot, local_date, state,"
                " brief_id, content_version, claimed_by, claimed_at, updated_at, attempts)"
                " VALUES ('T0HOME', 'C1', 'bogus', 'x', '2024-05-06', 'posted', '', 'v1',"
                " 'w', :at, :at, 0)"
            ),
            {"at": _stored(upgraded, MONDAY)},
        )


def test_each_teams_people_are_its_own(upgraded: Engine) -> None:
    """The same user id in another team is another person: enrolling, a zone change, a
    snooze and forgetting in one team leave the other's alone; forgetting a team's rows
    forgets its people."""
    home, other = _store(upgraded, HOME), _store(upgraded, OTHER)
    home.enrol("U0DANA", "D0DANA", "Asia/Tokyo")
    home.subscribe("D0DANA", parse_subscription("daily 09:00", "Asia/Tokyo"), "U0DANA")
    assert other.person("U0DANA") is None and other.people() == []
    assert other.move_person_zone("U0DANA", "Europe/Helsinki") is False
    assert other.snooze("U0DANA", MONDAY + dt.timedelta(days=7)) is None
    assert other.forget_person("U0DANA", "forged") is False
    dana = home.person("U0DANA")
    assert dana is not None and dana.timezone == "Asia/Tokyo" and dana.snoozed_until is None
    assert [s.timezone for s in home.channel_subscriptions("D0DANA")] == ["Asia/Tokyo"]
    other.enrol("U0DANA", "D0DANA", "UTC")
    assert home.move_person_zone("U0DANA", "Europe/Helsinki") is True
    assert [s.timezone for s in home.channel_subscriptions("D0DANA")] == ["Europe/Helsinki"]
    theirs = other.person("U0DANA")
    assert theirs is not None and theirs.timezone == "UTC"
    home.forget_rows("uninstalled")
    assert home.people() == [] and [p.user_id for p in other.people()] == ["U0DANA"]


def test_snoozing_again_before_the_digest_keeps_one_snooze(upgraded: Engine) -> None:
    """A second snooze while snoozed, or after one ended but before its digest went out,
    extends the same snooze (one digest); after the digest, a new one begins."""
    now = [MONDAY]
    home = Store(upgraded, clock=lambda: now[0]).for_team(HOME)
    home.enrol("U0DANA", "D0DANA", "UTC")
    first = home.snooze("U0DANA", MONDAY + dt.timedelta(days=2))
    assert first is not None and first.snoozed_from == MONDAY
    now[0] = MONDAY + dt.timedelta(days=3)  # ended, digest not sent
    again = home.snooze("U0DANA", MONDAY + dt.timedelta(days=5))
    assert again is not None and again.snoozed_from == MONDAY
    now[0] = MONDAY + dt.timedelta(days=6)
    home.hold([DeliveryKey.catch_up("D0DANA", MONDAY)], DAY, "v1", "w", "sent")
    fresh = home.snooze("U0DANA", MONDAY + dt.timedelta(days=9))
    assert fresh is not None and fresh.snoozed_from == now[0]
    assert home.unsnooze("U0DANA") is not None
    assert home.unsnooze("U0DANA") is None
