"""The store on SQLite and PostgreSQL: engine set-up and errors, subscriptions, the
featured pick, posted messages, related-brief threads and lookup reports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, make_url, select

from bot.schedule import Schedule
from bot.store import (
    Counted,
    DeclaredChannelError,
    Store,
    StoreError,
    SyncResult,
    make_engine,
    sqlite_url,
)
from bot.store.engine import pg_timeouts
from bot.store.tables import lookups
from tests.support.clock import Clock

pytest_plugins = ("tests.support.databases",)

NINE = Schedule(dt.time(9), "Europe/Helsinki", "weekdays")
SEVEN_DAILY = Schedule(dt.time(7, 30), "America/New_York", "daily")
START = dt.datetime(2024, 5, 6, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock_start() -> dt.datetime:
    return START


@pytest.fixture
def timed(engine: Engine, clock: Clock) -> Store:
    """A store whose clock the test controls."""
    return Store(engine, clock=clock)


# --- engine ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "is not a database URL"),
        ("mysql://u@127.0.0.1/db", "supports sqlite"),
        ("sqlite://", "must name a SQLite file"),
        ("sqlite:///:memory:", "must name a SQLite file"),
        ("postgresql+nosuchdriver://u@127.0.0.1/db", "No database driver"),
        ("sqlite:///briefbot.db?timeout=soon", "busy timeout in seconds"),
        ("sqlite:///briefbot.db?timeout=0", "busy timeout in seconds"),
        ("sqlite:///briefbot.db?timeout=nan", "busy timeout in seconds"),
        ("sqlite:///briefbot.db?timeout=1e9", "busy timeout in seconds"),
    ],
)
def test_bad_database_urls_are_explained(url: str, expected: str) -> None:
    """Malformed, unsupported or in-memory URLs fail with a StoreError saying what to do."""
    with pytest.raises(StoreError, match=expected):
        make_engine(url)


def test_unreachable_postgres_is_explained() -> None:
    """A PostgreSQL server that does not answer fails at once, naming the server."""
    with pytest.raises(StoreError) as raised:
        make_engine("postgresql+psycopg://nobody:secret@127.0.0.1:1/none")
    message = str(raised.value)
    assert "127.0.0.1:1" in message and "server is running" in message
    assert "secret" not in message


def test_sqlite_file_in_missing_folder_is_explained(tmp_path: Path) -> None:
    """A SQLite path whose folder does not exist names the folder to create."""
    missing = tmp_path / "no" / "such"
    with pytest.raises(StoreError, match="does not exist"):
        make_engine(sqlite_url(missing / "briefbot.db"))


def test_sqlite_is_tuned_for_several_processes(sqlite_db_url: str) -> None:
    """Every SQLite connection uses WAL, a 30 s busy timeout and foreign keys."""
    engine = make_engine(sqlite_db_url)
    try:
        with engine.connect() as connection:
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA busy_timeout").scalar() == 30000
            assert pragma("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_sqlite_busy_timeout_can_be_set_in_the_url(sqlite_db_url: str) -> None:
    """`?timeout=` in DATABASE_URL sets the busy timeout, in seconds as sqlite3 takes it."""
    engine = make_engine(f"{sqlite_db_url}?timeout=2.5")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 2500
    finally:
        engine.dispose()


def test_postgres_timeouts_default_to_10_s_connecting_and_30_s_a_statement() -> None:
    """Without its own in DATABASE_URL, a PostgreSQL URL gets both timeouts, and errors
    name them as in force; the URL's own take their place."""
    default = make_url("postgresql+psycopg://u@127.0.0.1/db")
    assert pg_timeouts(default) == ("10 s", "30000 ms")
    own = make_url("postgresql+psycopg://u@127.0.0.1/db?connect_timeout=2")
    assert pg_timeouts(own) == ("2 s", "30000 ms")


def test_sqlite_url_is_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A relative SQLite path is pinned to an absolute one, so a chdir cannot move it."""
    monkeypatch.chdir(tmp_path)
    assert sqlite_url("data.db") == f"sqlite:///{tmp_path.resolve() / 'data.db'}"


# --- subscriptions ---------------------------------------------------------------------


def test_subscribe_stores_the_schedule(timed: Store) -> None:
    """A Slack subscription is stored with its schedule, subscriber and times."""
    created = timed.subscribe("C1", NINE, "U1")
    assert created == timed.subscription("C1")
    assert created.schedule == NINE
    assert (created.created_by, created.source, created.paused) == ("U1", "slack", False)
    assert created.created_at == created.updated_at == START
    assert created.created_at.tzinfo == dt.UTC


def test_resubscribe_changes_schedule_and_resumes(timed: Store, clock: Clock) -> None:
    """Subscribing again replaces the schedule, resumes a paused channel, keeps created_at."""
    timed.subscribe("C1", NINE, "U1")
    timed.pause("C1", "not_in_channel")
    later = clock.advance(hours=2)
    changed = timed.subscribe("C1", SEVEN_DAILY, "U2")
    assert changed.schedule == SEVEN_DAILY
    assert (changed.created_by, changed.paused, changed.paused_reason) == ("U2", False, None)
    assert (changed.created_at, changed.updated_at) == (START, later)


def test_unsubscribe_reports_whether_there_was_one(store: Store) -> None:
    """Unsubscribing removes the schedule once; a second time says there was none."""
    store.subscribe("C1", NINE, "U1")
    assert store.unsubscribe("C1") is True
    assert store.subscription("C1") is None
    assert store.unsubscribe("C1") is False


def test_declared_channels_cannot_be_changed_from_slack(store: Store) -> None:
    """subscribe and unsubscribe refuse a channel declared in schedule.yml and leave it."""
    store.sync_declared({"C9": NINE})
    with pytest.raises(DeclaredChannelError, match=r"schedule\.yml"):
        store.subscribe("C9", SEVEN_DAILY, "U1")
    with pytest.raises(DeclaredChannelError):
        store.unsubscribe("C9")
    kept = store.subscription("C9")
    assert kept is not None and kept.schedule == NINE and kept.declared


def test_sync_declared_adds_updates_and_removes_only_declared(timed: Store, clock: Clock) -> None:
    """Syncing makes declared rows match the file and leaves Slack subscriptions alone."""
    timed.subscribe("C-slack", NINE, "U1")
    assert timed.sync_declared({"C1": NINE, "C2": NINE}) == SyncResult(added=("C1", "C2"))

    clock.advance(minutes=5)
    result = timed.sync_declared({"C1": NINE, "C2": SEVEN_DAILY, "C3": NINE})
    assert result == SyncResult(added=("C3",), updated=("C2",))
    c1 = timed.subscription("C1")
    assert c1 is not None and c1.updated_at == START  # unchanged rows keep their time

    assert timed.sync_declared({"C3": NINE}) == SyncResult(removed=("C1", "C2"))
    assert [s.channel_id for s in timed.subscriptions()] == ["C-slack", "C3"]
    slack = timed.subscription("C-slack")
    assert slack is not None and slack.source == "slack" and slack.schedule == NINE


def test_sync_declared_takes_over_a_slack_channel_now_declared(store: Store) -> None:
    """A channel subscribed from Slack and then declared follows the file from then on."""
    store.subscribe("C1", NINE, "U1")
    assert store.sync_declared({"C1": SEVEN_DAILY}) == SyncResult(updated=("C1",))
    taken = store.subscription("C1")
    assert taken is not None
    assert (taken.source, taken.created_by, taken.schedule) == ("schedule_file", None, SEVEN_DAILY)
    # Once removed from the file, it is gone: the file owned it.
    assert store.sync_declared({}) == SyncResult(removed=("C1",))
    assert store.subscription("C1") is None


def test_sync_is_idempotent_and_keeps_a_pause(store: Store) -> None:
    """Re-syncing the same file changes nothing, and a paused declared channel stays paused."""
    store.sync_declared({"C1": NINE})
    assert store.pause("C1", "channel_not_found")
    assert store.sync_declared({"C1": NINE}) == SyncResult()
    paused = store.subscription("C1")
    assert paused is not None and paused.paused and paused.paused_reason == "channel_not_found"


def test_pause_and_resume(store: Store) -> None:
    """Paused channels drop out of the active list until resumed; unknown channels say so."""
    store.subscribe("C1", NINE, "U1")
    store.subscribe("C2", NINE, "U1")
    assert store.pause("C1", "is_archived") is True
    assert [s.channel_id for s in store.subscriptions(include_paused=False)] == ["C2"]
    assert len(store.subscriptions()) == 2
    assert store.resume("C1") is True
    resumed = store.subscription("C1")
    assert resumed is not None and not resumed.paused and resumed.paused_reason is None
    assert store.pause("C-none", "x") is False
    assert store.resume("C-none") is False


# --- featured pick ---------------------------------------------------------------------


def test_featured_pick_is_chosen_once_per_day(store: Store) -> None:
    """The first choice for a date is recorded; later calls return it without choosing."""
    day = dt.date(2024, 5, 6)
    assert store.featured_for(day, lambda history: ("brief-a", "v1")) == "brief-a"

    def must_not_choose(history: Mapping[dt.date, str]) -> tuple[str, str]:
        raise AssertionError("a recorded pick must be reused")

    assert store.featured_for(day, must_not_choose) == "brief-a"
    pick = store.featured_pick(day)
    assert pick is not None and (pick.brief_id, pick.content_version) == ("brief-a", "v1")


def test_featured_choice_sees_the_history(store: Store) -> None:
    """The chooser is given every earlier pick, so it can avoid repeating them."""
    store.featured_for(dt.date(2024, 5, 6), lambda history: ("brief-a", "v1"))
    store.featured_for(dt.date(2024, 5, 7), lambda history: ("brief-b", "v1"))
    seen: list[dict[dt.date, str]] = []

    def choose(history: Mapping[dt.date, str]) -> tuple[str, str]:
        seen.append(dict(history))
        return "brief-c", "v2"

    assert store.featured_for(dt.date(2024, 5, 8), choose) == "brief-c"
    assert seen == [{dt.date(2024, 5, 6): "brief-a", dt.date(2024, 5, 7): "brief-b"}]
    assert list(store.featured_history().values()) == ["brief-a", "brief-b", "brief-c"]


# --- posted messages and related threads -----------------------------------------------


def test_posted_messages_map_to_their_brief(store: Store) -> None:
    """A recorded message gives back its brief; the first record wins; others are unknown."""
    store.record_post("C1", "1715000000.000100", "brief-a", "shared")
    store.record_post("C1", "1715000000.000100", "brief-b", "shared")
    assert store.brief_for_message("C1", "1715000000.000100") == "brief-a"
    assert store.brief_for_message("C2", "1715000000.000100") is None
    with pytest.raises(ValueError, match="kind"):
        store.record_post("C1", "1.2", "brief-a", "thread")


def test_related_thread_is_claimed_once(store: Store) -> None:
    """Only the first claim under a message wins; the reply ts is kept for the others."""
    assert store.claim_once("related:C1:100.1", keep=None) is True
    assert store.claim_once("related:C1:100.1", keep=None) is False
    assert reply_of(store, "related:C1:100.1") is None
    store.settle_once("related:C1:100.1", "100.2")
    assert reply_of(store, "related:C1:100.1") == "100.2"
    assert store.claim_once("related:C1:100.9", keep=None) is True


def test_released_related_thread_can_be_claimed_again(store: Store) -> None:
    """A claim whose reply failed is released for a retry; a posted one cannot be."""
    store.claim_once("related:C1:100.1", keep=None)
    assert store.release_once("related:C1:100.1") is True
    assert store.claim_once("related:C1:100.1", keep=None) is True
    store.settle_once("related:C1:100.1", "100.2")
    assert store.release_once("related:C1:100.1") is False
    assert store.claim_once("related:C1:100.1", keep=None) is False


def reply_of(store: Store, key: str) -> str | None:
    claim = store.once_claim(key)
    assert claim is not None
    return claim.reply_ts


# --- lookups ---------------------------------------------------------------------------


def test_lookups_keep_only_the_capped_query(store: Store, engine: Engine) -> None:
    """A lookup stores the whitespace-collapsed query cut to 200 characters, no user."""
    store.record_lookup("brief", "  eu   ai " + "x" * 300, False, None)
    store.record_lookup("define", "   ", False, None)
    with engine.connect() as connection:
        rows = connection.execute(select(lookups)).mappings().all()
    assert len(rows) == 1
    assert rows[0]["query"] == ("eu ai " + "x" * 300)[:200]
    assert rows[0]["user_id"] is None
    with pytest.raises(ValueError, match="kind"):
        store.record_lookup("search", "x", True, None)


def test_lookup_report_counts_hits_and_misses(timed: Store, clock: Clock) -> None:
    """The report ranks found briefs and terms, and groups misses ignoring case and
    punctuation, over the requested days only."""
    timed.record_lookup("brief", "old", False, None)  # outside the 7-day window
    clock.advance(days=10)
    for _ in range(3):
        timed.record_lookup("brief", "eu ai act", True, "eu-ai-act")
    timed.record_lookup("brief", "chips", True, "chip-export-rules")
    timed.record_lookup("brief", "Frontier Model Forum", False, None)
    timed.record_lookup("brief", "frontier model forum!", False, None)
    timed.record_lookup("brief", "Frontier Model Forum", False, None)
    timed.record_lookup("brief", "lobbying", False, None)
    timed.record_lookup("define", "RLHF", True, "RLHF")
    timed.record_lookup("define", "mech interp", False, None)

    report = timed.lookup_report(7, clock())
    assert (report.brief_lookups, report.define_lookups) == (8, 2)
    assert report.top_briefs == (Counted("eu-ai-act", 3), Counted("chip-export-rules", 1))
    assert report.top_terms == (Counted("RLHF", 1),)
    assert report.missed_queries == (Counted("Frontier Model Forum", 3), Counted("lobbying", 1))
    assert report.missed_terms == (Counted("mech interp", 1),)
    assert "Frontier Model Forum" in report.to_text()

    wider = timed.lookup_report(30, clock())
    assert Counted("old", 1) in wider.missed_queries
    assert timed.lookup_report(7, clock(), limit=1).missed_queries == (
        Counted("Frontier Model Forum", 3),
    )
    with pytest.raises(ValueError, match="positive"):
        timed.lookup_report(0, clock())


def test_times_are_stored_in_utc_whatever_zone_the_clock_gives(engine: Engine) -> None:
    """An aware time in any zone reads back as the same instant in UTC."""
    helsinki_noon = dt.datetime(2024, 7, 1, 12, 0, tzinfo=ZoneInfo("Europe/Helsinki"))
    store = Store(engine, clock=lambda: helsinki_noon)
    created = store.subscribe("C1", NINE, "U1")
    assert created.created_at == helsinki_noon
    assert created.created_at.tzinfo == dt.UTC
    assert created.created_at.hour == 9
