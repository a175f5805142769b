"""The delivery ledger: one claim per (channel, local date), compare-and-set state
changes, and finding the claims of processes that died, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from sqlalchemy import Engine

from bot.store import Delivery, DeliveryKey, DeliveryKind, DeliveryState, Store, worker_id
from tests.support.clock import Clock

pytest_plugins = ("tests.support.databases",)

DAY = dt.date(2024, 5, 6)
START = dt.datetime(2024, 5, 6, 6, 0, tzinfo=dt.UTC)


@pytest.fixture
def ledger(engine: Engine, clock: Clock) -> Store:
    return Store(engine, clock=clock)


def claimed(ledger: Store, channel: str = "C1", day: dt.date = DAY, worker: str = "w1") -> None:
    assert ledger.claim(DeliveryKey.daily(channel, day), day, "brief-a", "v1", worker)


def test_a_claim_as_the_post_goes_out_is_posting_at_once(ledger: Store) -> None:
    """A claim `sending` leaves the row `posting` with its attempt counted, in one write;
    of two callers only the first wins, and a claimed row is not claimed again."""
    key = DeliveryKey.daily("C1", DAY)
    assert ledger.claim(key, DAY, "brief-a", "v1", "w1", sending=True) is True
    assert ledger.claim(key, DAY, "brief-b", "v2", "w2", sending=True) is False
    row = ledger.delivery(key)
    assert row is not None
    assert (row.state, row.claimed_by, row.brief_id, row.attempts) == (
        "posting",
        "w1",
        "brief-a",
        1,
    )
    assert ledger.mark_posted(key, "1.1", worker="w1") is True
    assert ledger.mark_posted(key, "1.2", worker="w1") is False
    claimed(ledger, "C2")
    assert ledger.claim(DeliveryKey.daily("C2", DAY), DAY, "x", "v1", "w2", sending=True) is False


def test_only_the_first_claim_wins(ledger: Store) -> None:
    """A second claim for the same channel and date fails and changes nothing."""
    assert ledger.claim(DeliveryKey.daily("C1", DAY), DAY, "brief-a", "v1", "w1") is True
    assert ledger.claim(DeliveryKey.daily("C1", DAY), DAY, "brief-b", "v2", "w2") is False
    row = ledger.delivery(DeliveryKey.daily("C1", DAY))
    assert row is not None
    assert (row.state, row.claimed_by, row.brief_id, row.attempts) == (
        "claimed",
        "w1",
        "brief-a",
        0,
    )
    # Other dates and other channels are separate claims.
    assert (
        ledger.claim(
            DeliveryKey.daily("C1", DAY + dt.timedelta(days=1)),
            DAY + dt.timedelta(days=1),
            "brief-a",
            "v1",
            "w2",
        )
        is True
    )
    assert ledger.claim(DeliveryKey.daily("C2", DAY), DAY, "brief-a", "v1", "w2") is True


def test_post_goes_claimed_posting_posted(ledger: Store, clock: Clock) -> None:
    """The normal path records the attempt, the message ts and the message's brief."""
    claimed(ledger)
    assert ledger.mark_posting(DeliveryKey.daily("C1", DAY), worker="w1") is True
    posted_at = clock.advance(seconds=2)
    assert (
        ledger.mark_posted(DeliveryKey.daily("C1", DAY), "1715000000.000200", worker="w1") is True
    )
    row = ledger.delivery(DeliveryKey.daily("C1", DAY))
    assert row is not None
    assert (row.state, row.message_ts, row.attempts) == (
        DeliveryState.POSTED,
        "1715000000.000200",
        1,
    )
    assert (row.claimed_at, row.updated_at) == (START, posted_at)
    assert ledger.brief_for_message("C1", "1715000000.000200") == "brief-a"


def test_only_the_claimant_moves_its_row(ledger: Store) -> None:
    """With a worker given, another process cannot move the row."""
    claimed(ledger, worker="w1")
    assert ledger.mark_posting(DeliveryKey.daily("C1", DAY), worker="w2") is False
    assert ledger.mark_failed(DeliveryKey.daily("C1", DAY), "x", worker="w2") is False
    row = ledger.delivery(DeliveryKey.daily("C1", DAY))
    assert row is not None and row.state == "claimed"


@pytest.mark.parametrize(
    ("path", "move", "allowed"),
    [
        ((), "posting", True),
        (("posting",), "posting", False),
        (("posting", "posted"), "failed", False),
        (("posting", "posted"), "unknown", False),
        (("posting", "posted"), "posted", False),
        (("posting",), "skipped", False),
        ((), "skipped", True),
        (("skipped",), "posted", False),
        (("posting", "failed"), "posted", False),
        (("posting", "unknown"), "posted", True),
        (("posting", "unknown"), "failed", False),
        ((), "failed", True),
    ],
)
def test_state_changes_follow_the_ledger_rules(
    ledger: Store, path: tuple[str, ...], move: str, allowed: bool
) -> None:
    """Each move is allowed only from its states: no post after a skip or a failure, no
    second post, no failure after a post; an unknown post can be reconciled to posted."""
    claimed(ledger)

    def apply(state: str) -> bool:
        return {
            "posting": lambda: ledger.mark_posting(DeliveryKey.daily("C1", DAY)),
            "posted": lambda: ledger.mark_posted(DeliveryKey.daily("C1", DAY), "1.1"),
            "failed": lambda: ledger.mark_failed(DeliveryKey.daily("C1", DAY), "boom"),
            "unknown": lambda: ledger.mark_unknown(DeliveryKey.daily("C1", DAY), "timeout"),
            "skipped": lambda: ledger.mark_skipped(DeliveryKey.daily("C1", DAY), "missed by 5h"),
        }[state]()

    for state in path:
        assert apply(state)
    before = ledger.delivery(DeliveryKey.daily("C1", DAY))
    assert apply(move) is allowed
    after = ledger.delivery(DeliveryKey.daily("C1", DAY))
    assert after is not None and before is not None
    assert after.state == (move if allowed else before.state)


def test_errors_are_kept_and_capped(ledger: Store) -> None:
    """A failure keeps its error text, cut to a bounded length."""
    claimed(ledger)
    ledger.mark_posting(DeliveryKey.daily("C1", DAY))
    ledger.mark_failed(DeliveryKey.daily("C1", DAY), "channel_not_found " + "x" * 5000)
    row = ledger.delivery(DeliveryKey.daily("C1", DAY))
    assert row is not None and row.state == "failed"
    assert row.error is not None and row.error.startswith("channel_not_found")
    assert len(row.error) == 2000


def test_a_failed_post_is_retried_by_one_process(ledger: Store) -> None:
    """retry_failed hands a failed row to exactly one new claimant and counts attempts."""
    claimed(ledger)
    ledger.mark_posting(DeliveryKey.daily("C1", DAY))
    ledger.mark_failed(DeliveryKey.daily("C1", DAY), "ratelimited")
    assert ledger.retry_failed(DeliveryKey.daily("C1", DAY), "w2") is True
    assert ledger.retry_failed(DeliveryKey.daily("C1", DAY), "w3") is False
    assert ledger.mark_posting(DeliveryKey.daily("C1", DAY), worker="w2") is True
    row = ledger.delivery(DeliveryKey.daily("C1", DAY))
    assert row is not None and (row.state, row.claimed_by, row.attempts) == ("posting", "w2", 2)


def test_stale_claims_are_found_for_reconciling(ledger: Store, clock: Clock) -> None:
    """claimed and posting rows untouched for the threshold are listed; settled or fresh
    rows are not."""
    claimed(ledger, "C-claimed")
    claimed(ledger, "C-posting")
    ledger.mark_posting(DeliveryKey.daily("C-posting", DAY))
    claimed(ledger, "C-posted")
    ledger.mark_posting(DeliveryKey.daily("C-posted", DAY))
    ledger.mark_posted(DeliveryKey.daily("C-posted", DAY), "1.1")
    claimed(ledger, "C-unknown")
    ledger.mark_unknown(DeliveryKey.daily("C-unknown", DAY), "timeout")
    clock.advance(minutes=10)
    claimed(ledger, "C-fresh")

    stale = ledger.stale_claims(dt.timedelta(minutes=5))
    assert [(d.channel_id, d.state) for d in stale] == [
        ("C-claimed", "claimed"),
        ("C-posting", "posting"),
    ]
    assert ledger.stale_claims(dt.timedelta(minutes=11)) == []


def test_take_over_goes_to_one_reconciler(ledger: Store, clock: Clock) -> None:
    """Of two processes adopting a dead process's row, one wins; the state and the time
    of the claim (where a history search starts) are kept; the row counts as touched."""
    claimed(ledger, worker="dead")
    ledger.mark_posting(DeliveryKey.daily("C1", DAY), worker="dead")
    clock.advance(minutes=10)
    assert ledger.take_over(DeliveryKey.daily("C1", DAY), "r1", from_worker="dead") is True
    assert ledger.take_over(DeliveryKey.daily("C1", DAY), "r2", from_worker="dead") is False
    row = ledger.delivery(DeliveryKey.daily("C1", DAY))
    assert row is not None
    assert (row.state, row.claimed_by, row.claimed_at) == ("posting", "r1", START)
    assert row.updated_at == clock()
    # Found on Slack by its metadata: the adopter records it; the dead process cannot.
    assert ledger.mark_posted(DeliveryKey.daily("C1", DAY), "9.9", worker="dead") is False
    assert ledger.mark_posted(DeliveryKey.daily("C1", DAY), "9.9", worker="r1") is True


def test_adopting_again_keeps_the_time_of_the_first_claim(ledger: Store, clock: Clock) -> None:
    """An adopter that died (or whose lookup failed) is adopted in turn: the row still
    says when it was first claimed, before anything was sent."""
    claimed(ledger, worker="dead")
    ledger.mark_posting(DeliveryKey.daily("C1", DAY), worker="dead")
    for adopter, previous in (("r1", "dead"), ("r2", "r1"), ("r3", "r2")):
        clock.advance(minutes=11)
        assert [r.claimed_by for r in ledger.stale_claims(dt.timedelta(minutes=10))] == [previous]
        assert ledger.take_over(DeliveryKey.daily("C1", DAY), adopter, from_worker=previous) is True
    row = ledger.delivery(DeliveryKey.daily("C1", DAY))
    assert row is not None and (row.claimed_by, row.claimed_at) == ("r3", START)


def test_settled_rows_cannot_be_taken_over(ledger: Store) -> None:
    """A posted row stays with its poster."""
    claimed(ledger)
    ledger.mark_posted(DeliveryKey.daily("C1", DAY), "1.1")
    assert ledger.take_over(DeliveryKey.daily("C1", DAY), "r1", from_worker="w1") is False


def test_deliveries_filter_by_state_date_and_channel(ledger: Store) -> None:
    """The ledger lists rows by state(s), from a date, for a channel, oldest first."""
    yesterday = DAY - dt.timedelta(days=1)
    claimed(ledger, "C1", yesterday)
    ledger.mark_posted(DeliveryKey.daily("C1", yesterday), "1.1")
    claimed(ledger, "C1", DAY)
    ledger.mark_unknown(DeliveryKey.daily("C1", DAY), "timeout")
    claimed(ledger, "C2", DAY)

    def keys(rows: list[Delivery]) -> list[tuple[str, dt.date]]:
        return [(row.channel_id, row.local_date) for row in rows]

    assert keys(ledger.deliveries()) == [("C1", yesterday), ("C1", DAY), ("C2", DAY)]
    assert keys(ledger.deliveries(state="unknown")) == [("C1", DAY)]
    assert keys(ledger.deliveries(state=["posted", DeliveryState.CLAIMED])) == [
        ("C1", yesterday),
        ("C2", DAY),
    ]
    assert keys(ledger.deliveries(since=DAY)) == [("C1", DAY), ("C2", DAY)]
    assert keys(ledger.deliveries(channel_id="C2")) == [("C2", DAY)]
    assert ledger.latest_delivery_date("C1") == DAY
    assert ledger.latest_delivery_date("C-none") is None


def test_worker_ids_are_unique_and_fit_the_ledger() -> None:
    """Each call names a distinct worker, short enough for the claimed_by column."""
    ids = {worker_id() for _ in range(50)}
    assert len(ids) == 50
    assert all(len(worker) <= 64 and f":{os.getpid()}:" in worker for worker in ids)


REACH = {
    DeliveryState.CLAIMED: (),
    DeliveryState.POSTING: ("posting",),
    DeliveryState.POSTED: ("posting", "posted"),
    DeliveryState.FAILED: ("failed",),
    DeliveryState.UNKNOWN: ("posting", "unknown"),
    DeliveryState.SKIPPED: ("skipped",),
}


@pytest.mark.parametrize("state", list(DeliveryState))
def test_every_move_is_checked_against_the_one_transition_table(
    ledger: Store, state: DeliveryState
) -> None:
    """Every ledger method moves a row exactly when its `Move` allows that move from the
    row's state, to the state the table names (an adoption keeps the state)."""
    from bot.store.ledger import Move, allowed

    moves = {
        Move.POSTING: lambda channel: ledger.mark_posting(
            DeliveryKey.daily(channel, DAY), worker="w1"
        ),
        Move.POSTED: lambda channel: ledger.mark_posted(
            DeliveryKey.daily(channel, DAY), "1.1", worker="w1"
        ),
        Move.FAILED: lambda channel: ledger.mark_failed(
            DeliveryKey.daily(channel, DAY), "boom", worker="w1"
        ),
        Move.UNKNOWN: lambda channel: ledger.mark_unknown(
            DeliveryKey.daily(channel, DAY), "timeout", worker="w1"
        ),
        Move.SKIPPED: lambda channel: ledger.mark_skipped(
            DeliveryKey.daily(channel, DAY), "late", worker="w1"
        ),
        Move.RETRY: lambda channel: ledger.retry_failed(DeliveryKey.daily(channel, DAY), "w1"),
        Move.ADOPT: lambda channel: ledger.take_over(
            DeliveryKey.daily(channel, DAY), "w2", from_worker="w1"
        ),
    }
    assert set(moves) | {Move.CLAIM, Move.SEND, Move.HOLD} == set(Move)
    steps = {
        "posting": moves[Move.POSTING],
        "posted": moves[Move.POSTED],
        "failed": moves[Move.FAILED],
        "unknown": moves[Move.UNKNOWN],
        "skipped": moves[Move.SKIPPED],
    }
    for move, do in moves.items():
        channel = f"C-{move.name.lower()}"
        claimed(ledger, channel)
        for step in REACH[state]:
            assert steps[step](channel)
        assert do(channel) is allowed(state, move), move
        row = ledger.delivery(DeliveryKey.daily(channel, DAY))
        assert row is not None
        target = move.target
        assert row.state == ((target or state) if allowed(state, move) else state), move
        assert ledger.claim(DeliveryKey.daily(channel, DAY), DAY, "brief-b", "v2", "w3") is allowed(
            state, Move.CLAIM
        )
        sending = ledger.claim(DeliveryKey.daily(channel, DAY), DAY, "b", "v2", "w3", sending=True)
        assert sending is allowed(state, Move.SEND)
        held = ledger.hold([DeliveryKey.daily(channel, DAY)], DAY, "v2", "w3", "held")
        assert held is allowed(state, Move.HOLD)
    assert allowed(None, Move.CLAIM) and allowed(None, Move.HOLD)
    assert not any(allowed(None, move) for move in moves)


def test_holding_many_new_briefs_records_each_skipped_once_and_keeps_claimed_ones(
    ledger: Store,
) -> None:
    """hold records a channel's held new briefs as skipped in one write; a brief
    another process claimed meanwhile keeps its claim, and holding again changes nothing."""
    assert ledger.claim(DeliveryKey.new_brief("C1", "b2"), DAY, "b2", "v1", "w2")

    def new(*brief_ids: str) -> list[DeliveryKey]:
        return [DeliveryKey.new_brief("C1", brief_id) for brief_id in brief_ids]

    ledger.hold(new("b1", "b2", "b3"), DAY, "v1", "w1", "held")
    ledger.hold(new("b1", "b3"), DAY, "v1", "w3", "held again")
    rows = {r.slot: (r.state, r.claimed_by) for r in ledger.deliveries(kind=DeliveryKind.NEW)}
    assert rows == {
        "b1": (DeliveryState.SKIPPED, "w1"),
        "b2": (DeliveryState.CLAIMED, "w2"),
        "b3": (DeliveryState.SKIPPED, "w1"),
    }


def test_each_kind_names_its_row_by_its_own_slot(ledger: Store) -> None:
    """A key's slot is the local date (daily, the flood guard's line), the ISO week
    (weekly) or the brief id (new); one channel's rows of different kinds never collide,
    and each row reads back under the key that made it."""
    sunday = dt.date(2024, 5, 12)  # ISO week 19 ends on Sunday
    keys = [
        DeliveryKey.daily("C1", DAY),
        DeliveryKey.weekly("C1", sunday),
        DeliveryKey.new_brief("C1", "brief-a"),
        DeliveryKey.more("C1", DAY),
    ]
    assert [(key.kind, key.slot) for key in keys] == [
        (DeliveryKind.DAILY, "2024-05-06"),
        (DeliveryKind.WEEKLY, "2024-W19"),
        (DeliveryKind.NEW, "brief-a"),
        (DeliveryKind.MORE, "2024-05-06"),
    ]
    assert DeliveryKey.weekly("C1", sunday + dt.timedelta(days=1)).slot == "2024-W20"
    for key in keys:
        assert ledger.claim(key, DAY, "brief-a", "v1", "w1")
    assert [row.key for row in ledger.deliveries()] == sorted(
        keys, key=lambda key: (key.kind.value, key.slot)
    )
    assert all(ledger.delivery(key) is not None for key in keys)
    assert ledger.delivery(DeliveryKey.daily("C2", DAY)) is None
