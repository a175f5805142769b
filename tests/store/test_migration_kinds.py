"""Upgrading to subscription kinds (revision 0004): a database written by the schema
before it keeps every subscription and ledger row, and the daily posts go on without a
duplicate or a gap, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine, text

from bot.schedule import Kind, parse_subscription
from bot.store import DeliveryKind, make_engine, upgrade

if TYPE_CHECKING:
    from tests.support.daily import DailyWorld

pytest_plugins = ("tests.support.databases",)

BEFORE_KINDS = "0003"
MONDAY = dt.datetime(2024, 5, 6, 9, 0, tzinfo=dt.UTC)


def _stored(engine: Engine, value: dt.datetime) -> str:
    naive = value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
    return naive if engine.dialect.name == "sqlite" else naive + "+00:00"


def _seed_before_kinds(engine: Engine) -> None:
    """Rows as the schema before kinds holds them, written with plain SQL against it:
    C1 daily at 09:00 UTC, posted Monday; C2 on weekdays, Monday in doubt (unknown)."""
    created = _stored(engine, MONDAY - dt.timedelta(days=3))
    posted = _stored(engine, MONDAY + dt.timedelta(minutes=1))
    statements = [
        "INSERT INTO subscriptions (channel_id, post_time, timezone, days, created_by, source,"
        " paused, paused_reason, created_at, updated_at) VALUES"
        " ('C1', '09:00', 'UTC', 'daily', 'U1', 'slack', :no, NULL, :created, :created),"
        " ('C2', '09:00', 'UTC', 'weekdays', 'U2', 'slack', :no, NULL, :created,"
        " :created)",
        "INSERT INTO featured_picks (day, brief_id, content_version, picked_at)"
        " VALUES ('2024-05-06', 'eu-ai-act-gpai-obligations', 'v1', :posted)",
        "INSERT INTO deliveries (channel_id, local_date, state, brief_id, content_version,"
        " message_ts, claimed_by, claimed_at, updated_at, error, attempts) VALUES"
        " ('C1', '2024-05-06', 'posted', 'eu-ai-act-gpai-obligations', 'v1',"
        " '1714986060.000100', 'old:1:ab', :posted, :posted, NULL, 1),"
        " ('C2', '2024-05-06', 'unknown', 'eu-ai-act-gpai-obligations', 'v1', NULL,"
        " 'old:1:ab', :posted, :posted, 'timed out', 1)",
    ]
    with engine.begin() as connection:
        for sql in statements:
            params = {"no": False, "created": created, "posted": posted}
            connection.execute(text(sql), {k: v for k, v in params.items() if f":{k}" in sql})


@pytest.fixture
def upgraded(tmp_path: Path, database_url: str) -> Iterator[DailyWorld]:
    engine = make_engine(database_url)
    try:
        upgrade(engine, BEFORE_KINDS)
        _seed_before_kinds(engine)
    finally:
        engine.dispose()
    # Imported here: tests.support.daily is a pytest plugin elsewhere, which pytest can only
    # rewrite if nothing imported it during collection.
    from tests.support.daily import make_world

    yield from make_world(tmp_path, database_url)  # upgrades to the newest revision


def test_subscriptions_and_ledger_survive_the_upgrade_unchanged(upgraded: DailyWorld) -> None:
    """Both channels keep their daily schedule, source and ledger rows, now keyed as daily."""
    store = upgraded.store
    c1, c2 = store.subscription("C1"), store.subscription("C2")
    assert c1 is not None and c2 is not None
    assert (c1.kind, c1.tags, c1.days, c1.post_time, c1.source) == (
        "daily",
        "",
        "daily",
        "09:00",
        "slack",
    )
    assert (c2.kind, c2.days, c2.created_by) == ("daily", "weekdays", "U2")
    rows = {(d.channel_id, d.kind, d.slot): d.state for d in store.deliveries()}
    assert rows == {
        ("C1", DeliveryKind.DAILY, "2024-05-06"): "posted",
        ("C2", DeliveryKind.DAILY, "2024-05-06"): "unknown",
    }
    assert store.featured_history() == {dt.date(2024, 5, 6): "eu-ai-act-gpai-obligations"}


def test_daily_posts_continue_after_the_upgrade_without_a_duplicate_or_a_gap(
    upgraded: DailyWorld,
) -> None:
    """Monday (posted, and in doubt) is not posted again; Tuesday posts once in each channel."""
    for channel in ("C1", "C2"):
        upgraded.slack.add_channel(channel)
    upgraded.sweep(MONDAY + dt.timedelta(minutes=30))
    assert upgraded.daily_posts() == []
    tuesday = MONDAY + dt.timedelta(days=1, minutes=2)
    upgraded.sweep(tuesday)
    upgraded.sweep(tuesday + dt.timedelta(minutes=1))
    assert sorted(m["channel"] for m in upgraded.daily_posts()) == ["C1", "C2"]
    dates = {(d.channel_id, d.local_date): d.state for d in upgraded.store.deliveries()}
    assert dates[("C1", dt.date(2024, 5, 7))] == "posted"
    assert dates[("C2", dt.date(2024, 5, 7))] == "posted"


def test_a_channel_holds_one_subscription_of_each_kind_after_the_upgrade(
    upgraded: DailyWorld,
) -> None:
    """An upgraded channel can add new-brief and weekly subscriptions beside its daily one."""
    store = upgraded.store
    store.subscribe("C1", parse_subscription("new tags:security", "UTC"), "U1")
    store.subscribe("C1", parse_subscription("weekly fri 16:00", "UTC"), "U1")
    store.subscribe("C1", parse_subscription("weekly mon 08:00", "UTC"), "U1")
    kinds = [(s.kind, s.days, s.tags) for s in store.channel_subscriptions("C1")]
    assert kinds == [("daily", "daily", ""), ("new", "weekdays", "security"), ("weekly", "mon", "")]
    assert store.unsubscribe("C1", Kind.WEEKLY)
    assert [s.kind for s in store.channel_subscriptions("C1")] == ["daily", "new"]
    assert store.unsubscribe("C1")
    assert store.channel_subscriptions("C1") == []
