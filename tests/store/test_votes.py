"""Votes ("Was this helpful?") in the store, on SQLite and PostgreSQL: one vote per person
per brief or term; the same press delivered again or double-clicked counts once; pressing
again withdraws, the other button changes; teams never see each other's votes; the
report over a period lists the least helpful first; uninstalling forgets them."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from bot.model import ItemKind, Vote
from bot.store import Store, VoteOutcome
from bot.store.votes import DOUBLE_CLICK

pytest_plugins = ("tests.support.databases",)

NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
T0 = Decimal("1796634000.000100")
BRIEF, OTHER_BRIEF = "ai-distillation-national-security", "compute-thresholds"
HOME, AWAY = "T0HOME", "T0AWAY"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def home(engine: Engine, clock: Clock) -> Store:
    return Store(engine, clock=clock).for_team(HOME)


def ts(seconds: float) -> str:
    """An action_ts `seconds` after T0, as Slack writes one."""
    return f"{T0 + Decimal(str(seconds)):.6f}"


def press(
    store: Store, button: Vote, at: float, *, user: str = "U0ALICE", item: str = BRIEF
) -> VoteOutcome:
    return store.cast_vote(user, ItemKind.BRIEF, [item], button, ts(at))


def test_a_vote_redelivered_or_double_clicked_counts_once(home: Store) -> None:
    first = press(home, Vote.UP, 0)
    assert (first.counted, first.vote, first.previous) == (True, Vote.UP, None)
    again = press(home, Vote.UP, 0)  # the same press, delivered twice
    assert (again.counted, again.vote) == (False, Vote.UP)
    double = press(home, Vote.UP, float(DOUBLE_CLICK) / 3)  # the second click
    assert (double.counted, double.vote) == (False, Vote.UP)
    assert home.vote_of("U0ALICE", ItemKind.BRIEF, BRIEF) == Vote.UP
    report = home.vote_report(7)
    assert [(t.name, t.up, t.down) for t in report.briefs] == [(BRIEF, 1, 0)]


def test_pressing_again_withdraws_and_the_other_button_changes(home: Store) -> None:
    press(home, Vote.UP, 0)
    changed = press(home, Vote.DOWN, 0.2)  # another button: not a double click
    assert (changed.counted, changed.vote, changed.previous) == (True, Vote.DOWN, Vote.UP)
    withdrawn = press(home, Vote.DOWN, 5)
    assert (withdrawn.counted, withdrawn.vote, withdrawn.previous) == (True, None, Vote.DOWN)
    assert home.vote_of("U0ALICE", ItemKind.BRIEF, BRIEF) is None
    assert home.vote_report(7).briefs == ()
    # The press that cast the vote, delivered late, does not bring it back.
    assert press(home, Vote.UP, 0).counted is False
    # Nor does the second click of the press that withdrew it cast it again.
    assert press(home, Vote.DOWN, 5.3).counted is False
    assert home.vote_of("U0ALICE", ItemKind.BRIEF, BRIEF) is None
    again = press(home, Vote.UP, 9)
    assert (again.counted, again.vote, again.previous) == (True, Vote.UP, None)


def test_a_press_without_a_usable_action_ts_is_a_new_press(home: Store, clock: Clock) -> None:
    """A forged or missing action_ts is judged by the store's clock, never a crash."""
    assert home.cast_vote("U0ALICE", "brief", [BRIEF], "up", "²").counted
    clock.now += dt.timedelta(seconds=5)
    out = home.cast_vote("U0ALICE", "brief", [BRIEF], "up", "")
    assert (out.counted, out.vote) == (True, None)
    with pytest.raises(ValueError):
        home.cast_vote("U0ALICE", "brief", ["x" * 201], "up", ts(1))
    with pytest.raises(ValueError):
        home.cast_vote("U0ALICE", "story", [BRIEF], "up", ts(1))


def test_a_vote_on_several_items_sets_each_and_withdraws_them_together(home: Store) -> None:
    """A digest's or an explanation's vote is one vote on each brief or term it shows."""
    terms = ["Sparse autoencoder", "Distillation"]
    home.cast_vote("U0ALICE", ItemKind.TERM, terms[:1], Vote.DOWN, ts(0))
    out = home.cast_vote("U0ALICE", ItemKind.TERM, terms, Vote.UP, ts(3))
    assert (out.counted, out.vote, out.previous, out.items) == (True, Vote.UP, None, 2)
    assert [home.vote_of("U0ALICE", "term", t) for t in terms] == [Vote.UP, Vote.UP]
    out = home.cast_vote("U0ALICE", ItemKind.TERM, terms, Vote.UP, ts(6))
    assert (out.counted, out.vote, out.previous) == (True, None, Vote.UP)
    assert home.vote_report(7).terms == ()


def test_one_vote_per_person_and_teams_never_meet(engine: Engine, clock: Clock) -> None:
    home = Store(engine, clock=clock).for_team(HOME)
    away = Store(engine, clock=clock).for_team(AWAY)
    press(home, Vote.UP, 0, user="U0ALICE")
    press(home, Vote.DOWN, 0, user="U0BOB")
    # The same user id and brief in another workspace is another person's vote.
    press(away, Vote.DOWN, 0, user="U0ALICE")
    press(away, Vote.DOWN, 0, user="U0CAROL")
    assert [(t.up, t.down) for t in home.vote_report(7).briefs] == [(1, 1)]
    assert [(t.up, t.down) for t in away.vote_report(7).briefs] == [(0, 2)]
    assert away.vote_of("U0BOB", ItemKind.BRIEF, BRIEF) is None
    assert home.vote_of("U0ALICE", ItemKind.BRIEF, BRIEF) == Vote.UP
    away.forget_rows("uninstalled")
    assert away.vote_report(7).briefs == ()
    assert [(t.up, t.down) for t in home.vote_report(7).briefs] == [(1, 1)]


def test_the_report_covers_its_period_and_lists_the_least_helpful_first(
    home: Store, clock: Clock
) -> None:
    clock.now = NOW - dt.timedelta(days=20)
    press(home, Vote.DOWN, 0, item="old-brief")
    clock.now = NOW
    for index, (user, vote) in enumerate(
        [("U1", Vote.UP), ("U2", Vote.UP), ("U3", Vote.DOWN)]  # 67% helpful
    ):
        press(home, vote, index, user=user, item=BRIEF)
    press(home, Vote.DOWN, 0, user="U1", item=OTHER_BRIEF)  # 0% helpful, 1 vote
    press(home, Vote.DOWN, 0, user="U1", item="third")
    press(home, Vote.DOWN, 0, user="U2", item="third")  # 0% helpful, 2 votes: first
    report = home.vote_report(7)
    assert [(t.name, t.helpful_percent) for t in report.briefs] == [
        ("third", "0%"),
        (OTHER_BRIEF, "0%"),
        (BRIEF, "67%"),
    ]
    assert report.votes == 6
    assert "old-brief" in [t.name for t in home.vote_report(30).briefs]
    assert "old-brief" in [t.name for t in home.vote_report(None).briefs]
    text = report.to_text()
    assert text.index("third") < text.index(BRIEF)
    with pytest.raises(ValueError):
        home.vote_report(0)


def _race(stores: list[Store], user: str, first_at: float) -> list[VoteOutcome]:
    """Both stores press 👍 for `user` at once, 0.1 s apart by Slack's clock."""
    start = threading.Barrier(len(stores))
    outcomes: list[VoteOutcome] = []

    def click(store: Store, at: float) -> None:
        start.wait()
        outcomes.append(press(store, Vote.UP, at, user=user))

    threads = [
        threading.Thread(target=click, args=(store, first_at + 0.1 * i))
        for i, store in enumerate(stores)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def test_two_racing_clicks_count_once(engine: Engine, clock: Clock) -> None:
    """The two clicks of a double click judged at the same moment (two replicas): one
    vote, never a vote and its withdrawal; and later, one withdrawal."""
    for round_ in range(5):
        user = f"U{round_}"
        stores = [Store(engine, clock=clock).for_team(HOME) for _ in range(2)]
        cast = _race(stores, user, 0)
        assert sorted(o.counted for o in cast) == [False, True]
        assert stores[0].vote_of(user, ItemKind.BRIEF, BRIEF) == Vote.UP
        withdrawn = _race(stores, user, 5)
        assert sorted(o.counted for o in withdrawn) == [False, True]
        assert [o.vote for o in withdrawn if o.counted] == [None]
        assert stores[1].vote_of(user, ItemKind.BRIEF, BRIEF) is None
