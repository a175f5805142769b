"""Suggestions in the store, on SQLite and PostgreSQL: recorded per team, merged when the
same, at most ten open a person, decided once, and never seen by another team."""

from __future__ import annotations

import threading

from bot.content.proposals import Proposal
from bot.store import Added, Store, Suggestion
from bot.store.store import TEAM_TABLES
from bot.store.suggestions import OPEN_LIMIT
from bot.store.tables import suggestions

pytest_plugins = ("tests.support.databases",)


def proposal(term: str = "Compute threshold") -> Proposal:
    return Proposal("term", term=term, definition="A limit on training compute.")


def add(store: Store, user: str, p: Proposal) -> tuple[Added, Suggestion | None]:
    return store.add_suggestion(user, p.kind, p.target, "", p.to_json(), p.key())


def test_a_suggestion_is_recorded_with_who_when_and_what(store: Store) -> None:
    team = store.for_team("T1")
    added, row = add(team, "U0BOB", proposal())
    assert added is Added.NEW and row is not None
    (kept,) = team.suggestions_made()
    assert (kept.user_id, kept.state, kept.kind) == ("U0BOB", "open", "term")
    assert Proposal.from_json(kept.proposal) == proposal()
    assert kept.created_at.tzinfo is not None
    assert suggestions in TEAM_TABLES


def test_duplicates_merge_into_the_open_suggestion(store: Store) -> None:
    team = store.for_team("T1")
    add(team, "U0BOB", proposal())
    added, merged = add(team, "U0ALICE", proposal("compute   THRESHOLD"))
    assert merged is not None and merged.suggesters == ("U0BOB", "U0ALICE")
    again, _ = add(team, "U0ALICE", proposal())
    assert added is Added.MERGED and again is Added.MERGED
    (row,) = team.suggestions_made()
    assert row.suggesters == ("U0BOB", "U0ALICE")


def test_at_most_ten_open_suggestions_a_person(store: Store) -> None:
    team = store.for_team("T1")
    for n in range(OPEN_LIMIT):
        assert add(team, "U0BOB", proposal(f"Term {n}"))[0] is Added.NEW
    assert add(team, "U0BOB", proposal("One too many"))[0] is Added.FLOOD
    assert add(team, "U0ALICE", proposal("Someone else's"))[0] is Added.NEW
    first = team.open_suggestions("U0BOB")[0]
    assert team.decide_suggestion(first.id, "declined", "U0CAROL", reason="no")
    assert add(team, "U0BOB", proposal("Room again"))[0] is Added.NEW


def test_a_decision_is_made_once_even_when_racing(store: Store) -> None:
    team = store.for_team("T1")
    _, row = add(team, "U0BOB", proposal())
    assert row is not None
    wins: list[bool] = []
    barrier = threading.Barrier(4)

    def decide() -> None:
        barrier.wait()
        wins.append(team.decide_suggestion(row.id, "approved", "U0CAROL", outcome="added"))

    threads = [threading.Thread(target=decide) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(wins) == [False, False, False, True]
    decided = team.suggestion(row.id)
    assert decided is not None and (decided.state, decided.decided_by) == ("approved", "U0CAROL")
    assert decided.decided_at is not None
    assert not team.edit_suggestion(decided.id, "{}", "k", "U0CAROL")  # decided: no edits


def test_another_team_sees_and_changes_nothing(store: Store) -> None:
    mine, theirs = store.for_team("T1"), store.for_team("T2")
    _, row = add(mine, "U0BOB", proposal())
    assert row is not None
    suggestion_id = row.id
    assert theirs.suggestion(suggestion_id) is None
    assert theirs.suggestions_made() == [] and theirs.open_suggestions() == []
    assert not theirs.decide_suggestion(suggestion_id, "approved", "U0EVE")
    assert not theirs.edit_suggestion(suggestion_id, "{}", "k", "U0EVE")
    theirs.add_review_message(suggestion_id, "C0EVIL", "1.0")
    theirs.reopen_suggestion(suggestion_id, "forged")
    kept = mine.suggestion(suggestion_id)
    assert kept is not None and kept.state == "open" and kept.review_messages == ()
    # The same suggestion in the other team is that team's own, not a merge.
    assert add(theirs, "U0BOB", proposal())[0] is Added.NEW
