"""Racing for the same row: threads and separate OS processes claiming deliveries and
choosing the featured brief at once agree on exactly one winner, on SQLite and
PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine

from bot.store import DeliveryKey, Store, make_engine, upgrade
from tests.support.processes import HANG_GUARD_S, run_together

pytest_plugins = ("tests.support.databases",)

T = TypeVar("T")
THREADS = 8
PROCESSES = 3
CHANNELS = [f"C{n:03d}" for n in range(40)]
DAYS = [dt.date(2024, 5, 6) + dt.timedelta(days=n) for n in range(5)]


def race(count: int, action: Callable[[int], T]) -> list[T]:
    """Run action(0..count-1) in threads released together by a barrier."""
    barrier = threading.Barrier(count)

    def run(index: int) -> T:
        barrier.wait(timeout=HANG_GUARD_S)
        return action(index)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_threads_claiming_one_delivery_have_one_winner(store: Store) -> None:
    """Eight threads claiming each (channel, date) at once: exactly one wins each."""
    for channel in CHANNELS[:10]:
        wins = race(
            THREADS,
            lambda i, channel=channel: store.claim(
                DeliveryKey.daily(channel, DAYS[0]), DAYS[0], "brief-a", "v1", f"t{i}"
            ),
        )
        assert wins.count(True) == 1
        row = store.delivery(DeliveryKey.daily(channel, DAYS[0]))
        assert row is not None and row.claimed_by == f"t{wins.index(True)}"


def test_threads_choosing_the_featured_brief_agree(store: Store) -> None:
    """Eight threads each wanting a different pick for a date all get the same one."""
    for day in DAYS:

        def pick(i: int, day: dt.date = day) -> str:
            return store.featured_for(day, lambda history: (f"brief-{i}", "v1"))

        picks = race(THREADS, pick)
        assert len(set(picks)) == 1
        assert store.featured_history()[day] == picks[0]


def test_threads_claiming_one_related_thread_have_one_winner(store: Store) -> None:
    """Eight clicks on "Related briefs" at once: one posts, the others are told."""
    wins = race(THREADS, lambda i: store.claim_once("related:C1:1715000000.000100", keep=None))
    assert wins.count(True) == 1


def sweep_in_process(barrier: Any, results: Any, url: str, worker: str) -> None:
    """One OS process: claim every channel for every day and choose every day's pick."""
    engine = None
    try:
        # Opened together: several processes creating one new SQLite file must all cope.
        barrier.wait(timeout=HANG_GUARD_S)
        engine = make_engine(url)
        upgrade(engine)
        store = Store(engine)
        # Each process starts at a different channel so that they meet mid-list.
        start = int(worker.removeprefix("p")) * len(CHANNELS) // PROCESSES
        channels = CHANNELS[start:] + CHANNELS[:start]
        won = [
            (channel, day.isoformat())
            for day in DAYS
            for channel in channels
            if store.claim(DeliveryKey.daily(channel, day), day, "brief-a", "v1", worker)
        ]
        picks = {
            day.isoformat(): store.featured_for(day, _chooser(worker)) for day in reversed(DAYS)
        }
        results.put((worker, won, picks, None))
    except Exception as error:  # reported to the test, which fails with it
        results.put((worker, [], {}, repr(error)))
    finally:
        if engine is not None:
            engine.dispose()


def _chooser(worker: str) -> Callable[[Mapping[dt.date, str]], tuple[str, str]]:
    return lambda history: (f"brief-from-{worker}", "v1")


@pytest.mark.slow
def test_processes_sweeping_at_once_claim_each_post_once(database_url: str) -> None:
    """Three OS processes opening a new database at once, each migrating, claiming every
    (channel, date) and choosing every date's pick: each claim is won by exactly one,
    and all agree on picks."""
    reports = run_together(sweep_in_process, [(database_url, f"p{n}") for n in range(PROCESSES)])

    assert [error for *_, error in reports if error] == []
    claims = Counter(claim for _, won, _, _ in reports for claim in won)
    assert len(claims) == len(CHANNELS) * len(DAYS)
    assert set(claims.values()) == {1}
    assert len({tuple(sorted(picks.items())) for _, _, picks, _ in reports}) == 1

    engine = make_engine(database_url)
    try:
        store = Store(engine)
        owners = Counter(row.claimed_by for row in store.deliveries())
        assert owners == Counter({worker: len(won) for worker, won, _, _ in reports if won})
        assert {d.isoformat(): b for d, b in store.featured_history().items()} == reports[0][2]
    finally:
        engine.dispose()


def test_store_is_shared_safely_by_threads_of_one_engine(engine: Engine) -> None:
    """Many threads writing different rows through one engine all succeed."""
    store = Store(engine)
    results = race(
        THREADS,
        lambda i: [
            store.claim(DeliveryKey.daily(f"C{i}", day), day, "brief-a", "v1", f"t{i}")
            for day in DAYS
        ],
    )
    assert all(all(wins) for wins in results)
    assert len(store.deliveries()) == THREADS * len(DAYS)
