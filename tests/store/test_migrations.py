"""Schema migrations on SQLite and PostgreSQL: an empty database upgrades to the newest
schema, upgrading again is harmless, the result matches bot.store.tables, data written
at revision 0001 survives every later revision, and processes starting together
migrate once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import setuptools
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from bot.store import (
    DeliveryKey,
    Store,
    current_revision,
    head_revision,
    make_engine,
    upgrade,
)
from bot.store.tables import metadata
from tests.support.processes import HANG_GUARD_S, run_together

pytest_plugins = ("tests.support.databases",)

ROOT = Path(__file__).resolve().parents[2]
TABLES = {
    "subscriptions",
    "featured_picks",
    "deliveries",
    "posted_messages",
    "lookups",
    "handled_once",
    "briefs_seen",
    "votes",
}
PROCESSES = 3


@pytest.fixture
def empty_engine(database_url: str) -> Any:
    engine = make_engine(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def test_empty_database_upgrades_to_head(empty_engine: Engine) -> None:
    """A database never migrated gets every table and is stamped with the newest revision."""
    assert current_revision(empty_engine) is None
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision()
    assert set(inspect(empty_engine).get_table_names()) >= TABLES


def test_upgrade_is_idempotent(empty_engine: Engine) -> None:
    """Upgrading an up-to-date database changes nothing and keeps the data."""
    upgrade(empty_engine)
    Store(empty_engine).record_post("C1", "1.1", "brief-a", "daily")
    upgrade(empty_engine)
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision()
    assert Store(empty_engine).brief_for_message("C1", "1.1") == "brief-a"


def test_migrated_schema_matches_the_tables(empty_engine: Engine) -> None:
    """The migrations build exactly the schema bot.store.tables describes (no drift)."""
    upgrade(empty_engine)
    with empty_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def _stored_time(engine: Engine, value: dt.datetime) -> str:
    """A time as revision 0001 stored it: naive UTC text on SQLite, timestamptz elsewhere."""
    naive = (
        value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    )
    return naive if engine.dialect.name == "sqlite" else naive + "+00:00"


def _seed_revision_0001(engine: Engine) -> None:
    """Rows in every table, written with plain SQL against the 0001 schema.

    Deliberately not through Store or bot.store.tables: those follow the newest schema,
    while this must stay what a 0001-era database holds, however the schema evolves.
    """
    at = _stored_time(engine, dt.datetime(2024, 5, 6, 6, 0, tzinfo=dt.UTC))
    rows = [
        (
            "INSERT INTO subscriptions (channel_id, post_time, timezone, days, created_by,"
            " source, paused, paused_reason, created_at, updated_at) VALUES"
            " ('C1', '09:30', 'Europe/Helsinki', 'daily', 'U1', 'slack', :no, NULL, :at, :at),"
            " ('C2', '08:00', 'UTC', 'weekdays', NULL, 'schedule_file', :yes, 'is_archived',"
            " :at, :at)"
        ),
        (
            "INSERT INTO featured_picks (day, brief_id, content_version, picked_at)"
            " VALUES ('2024-05-06', 'brief-a', 'v1', :at)"
        ),
        (
            "INSERT INTO deliveries (channel_id, local_date, state, brief_id, content_version,"
            " message_ts, claimed_by, claimed_at, updated_at, error, attempts) VALUES"
            " ('C1', '2024-05-06', 'posted', 'brief-a', 'v1', '1715000000.000100', 'host:1:ab',"
            " :at, :at, NULL, 1),"
            " ('C2', '2024-05-06', 'unknown', 'brief-a', 'v1', NULL, 'host:2:cd', :at, :at,"
            " 'timeout', 1)"
        ),
        (
            "INSERT INTO posted_messages (channel_id, ts, brief_id, kind, posted_at) VALUES"
            " ('C1', '1715000000.000100', 'brief-a', 'daily', :at)"
        ),
        (
            "INSERT INTO related_threads (channel_id, parent_ts, reply_ts, created_at) VALUES"
            " ('C1', '1715000000.000100', '1715000000.000200', :at)"
        ),
        (
            "INSERT INTO lookups (at, kind, query, found, result, user_id) VALUES"
            " (:at, 'define', 'RLHF', :yes, 'RLHF', NULL),"
            " (:at, 'brief', 'frontier forum', :no, NULL, NULL)"
        ),
    ]
    with engine.begin() as connection:
        for sql in rows:
            params = {"at": at, "yes": True, "no": False}
            connection.execute(text(sql), {k: v for k, v in params.items() if f":{k}" in sql})


def test_data_at_revision_0001_survives_upgrade_to_head(empty_engine: Engine) -> None:
    """A database at 0001 holding data upgrades to head with every row still readable.

    Keep this passing for every new revision: it is the promise that upgrading never
    loses subscriptions, picks, ledger rows or lookup counts.
    """
    upgrade(empty_engine, "0001")
    assert current_revision(empty_engine) == "0001"
    _seed_revision_0001(empty_engine)

    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision()

    at = dt.datetime(2024, 5, 6, 6, 0, tzinfo=dt.UTC)
    store = Store(empty_engine, clock=lambda: at + dt.timedelta(days=1))
    slack = store.subscription("C1")
    assert slack is not None
    assert (slack.post_time, slack.timezone, slack.days, slack.source) == (
        "09:30",
        "Europe/Helsinki",
        "daily",
        "slack",
    )
    assert (slack.paused, slack.created_at) == (False, at)
    declared = store.subscription("C2")
    assert declared is not None and declared.declared and declared.paused
    assert store.featured_history() == {dt.date(2024, 5, 6): "brief-a"}
    delivery = store.delivery(DeliveryKey.daily("C1", dt.date(2024, 5, 6)))
    assert delivery is not None
    assert (delivery.state, delivery.message_ts, delivery.claimed_at) == (
        "posted",
        "1715000000.000100",
        at,
    )
    assert [d.channel_id for d in store.deliveries(state="unknown")] == ["C2"]
    assert store.brief_for_message("C1", "1715000000.000100") == "brief-a"
    related = store.once_claim("related:C1:1715000000.000100")
    assert related is not None and related.reply_ts == "1715000000.000200"
    report = store.lookup_report(7)
    assert (report.brief_lookups, report.define_lookups) == (1, 1)
    assert [c.name for c in report.missed_queries] == ["frontier forum"]
    # The store still works for new rows after the upgrade.
    assert store.claim(
        DeliveryKey.daily("C1", dt.date(2024, 5, 7)), dt.date(2024, 5, 7), "brief-b", "v2", "w"
    )


def _upgrade_in_process(barrier: Any, results: Any, url: str) -> None:
    engine = None
    try:
        engine = make_engine(url)
        barrier.wait(timeout=HANG_GUARD_S)
        upgrade(engine)
        results.put(current_revision(engine))
    except Exception as error:  # reported to the test, which fails with it
        results.put(repr(error))
    finally:
        if engine is not None:
            engine.dispose()


@pytest.mark.slow
def test_processes_starting_together_migrate_once(database_url: str) -> None:
    """Three processes upgrading one empty database at the same moment all succeed."""
    outcomes = run_together(_upgrade_in_process, [(database_url,)] * PROCESSES)
    assert outcomes == [head_revision()] * PROCESSES


def test_migrations_ship_with_the_package() -> None:
    """The migrations and their revisions are packages, so an installed briefbot has them."""
    packages = setuptools.find_packages(str(ROOT), include=["bot*"])
    assert {"bot.store.migrations", "bot.store.migrations.versions"} <= set(packages)
    versions = ROOT / "bot" / "store" / "migrations" / "versions"
    assert (versions / "0001_initial.py").is_file()
