"""Votes: "Was this helpful?", one vote per person per brief or term, in each team.

A press on 👍 or 👎 names its button, the briefs or terms it is about (a weekly digest
or an explanation of a message's terms is about several) and Slack's `action_ts`: the
moment of the click, by Slack's clock. Pressing the button of the vote one has withdraws
it; pressing the other changes it.

Slack may deliver a press twice, and people double-click; neither may count as a second
press, which would withdraw the vote just cast. Each row keeps the press that last
changed it, so a press no newer than that one is the same press again (or one overtaken
by a later press), and a press of the same button less than `DOUBLE_CLICK` after it is
the second click of a double click. Neither changes anything.

Two presses racing (the two clicks of a double click reach two replicas at once) are
judged one after the other: each is decided inside one write transaction holding the
person's rows (SQLite's write lock, taken up front; PostgreSQL's row locks), and a row
another press inserted meanwhile makes the insert conflict, so the press is judged again.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select, update

from bot.model import ItemKind, Vote
from bot.records import Tally, VoteOutcome, VoteReport, least_helpful_first
from bot.store.base import StoreBase
from bot.store.tables import QUERY, votes

DOUBLE_CLICK = Decimal("1.0")
"""Seconds within which a second press of the same button is the second click of a
double click (desktop systems' double-click time is at most about 0.9 s)."""
RACES_MAX = 5
_ACTION_TS = re.compile(r"[0-9]{1,12}(\.[0-9]{1,9})?")


class _Raced(Exception):
    """Another press inserted one of the rows while this one was being judged."""


def press_time(action_ts: str, now: dt.datetime) -> Decimal:
    """Slack's `action_ts` ("1715000000.000100") as a number of seconds; now, for a
    press that carries none (or something else), so it is judged as a new press."""
    text = (action_ts or "").strip()
    if _ACTION_TS.fullmatch(text):
        return Decimal(text)
    return Decimal(f"{now.timestamp():.6f}")


def _counts(row: Any, pressed: Vote, at: Decimal) -> bool:
    """Whether a press at `at` is a new press for an item whose row is `row`."""
    if row is None:
        return True
    last = Decimal(row.press_ts)
    if at <= last:
        return False  # the same press again, or one a later press overtook
    return not (row.pressed == pressed.value and at - last < DOUBLE_CLICK)


class Votes(StoreBase):
    def cast_vote(
        self,
        user_id: str,
        kind: ItemKind | str,
        item_ids: Sequence[str],
        pressed: Vote | str,
        action_ts: str,
    ) -> VoteOutcome:
        """Count one press of 👍 (`Vote.UP`) or 👎 by `user_id` on briefs or terms.

        A new vote, or a change from the other one, sets the vote on every item; when the
        person already has this vote on every item, the press withdraws it. A press that
        is not new (see the module's docstring) changes nothing: `counted` is False.
        """
        kind, pressed = ItemKind(kind), Vote(pressed)
        items = list(dict.fromkeys(item for item in item_ids if item))
        if not items or any(len(item) > QUERY for item in items):
            raise ValueError(f"A vote is on 1 or more ids of at most {QUERY} characters.")
        at = press_time(action_ts, self.now())
        for _ in range(RACES_MAX):
            try:
                return self._cast(user_id, kind, items, pressed, at)
            except _Raced:
                continue
        raise RuntimeError(f"Presses kept racing for {user_id}'s votes; try again.")

    def _cast(
        self, user_id: str, kind: ItemKind, items: list[str], pressed: Vote, at: Decimal
    ) -> VoteOutcome:
        person = (votes.c.team_id == self.team, votes.c.user_id == user_id, votes.c.kind == kind)
        with self._write() as connection:
            rows = {
                row.item_id: row
                for row in connection.execute(
                    select(votes.c.item_id, votes.c.vote, votes.c.pressed, votes.c.press_ts)
                    .where(*person, votes.c.item_id.in_(items))
                    .with_for_update()
                )
            }
            fresh = [item for item in items if _counts(rows.get(item), pressed, at)]
            if not fresh:
                first = rows[items[0]].vote
                shown = Vote(first) if first else None
                return VoteOutcome(False, shown, shown, len(items))
            before = {rows[item].vote if item in rows else None for item in fresh}
            vote = None if before == {pressed.value} else pressed
            values = {
                "vote": vote.value if vote else None,
                "pressed": pressed.value,
                "press_ts": str(at),
                "voted_at": self.now(),
            }
            known = [item for item in fresh if item in rows]
            if known:
                connection.execute(
                    update(votes).where(*person, votes.c.item_id.in_(known)).values(**values)
                )
            new = [item for item in fresh if item not in rows]
            if new:
                stmt = (
                    self._insert(votes)
                    .values(
                        [
                            {
                                "team_id": self.team,
                                "user_id": user_id,
                                "kind": kind.value,
                                "item_id": item,
                                **values,
                            }
                            for item in new
                        ]
                    )
                    .on_conflict_do_nothing(index_elements=list(votes.primary_key.columns))
                    .returning(votes.c.item_id)
                )
                if len(connection.execute(stmt).all()) < len(new):
                    raise _Raced  # rolls this transaction back; the press is judged again
        (only,) = before if len(before) == 1 else (None,)
        return VoteOutcome(True, vote, Vote(only) if only else None, len(fresh))

    def vote_of(self, user_id: str, kind: ItemKind | str, item_id: str) -> Vote | None:
        """`user_id`'s vote on one brief or term, None if they have none."""
        query = select(votes.c.vote).where(
            votes.c.team_id == self.team,
            votes.c.user_id == user_id,
            votes.c.kind == ItemKind(kind).value,
            votes.c.item_id == item_id,
        )
        with self._read() as connection:
            found = connection.execute(query).scalar()
        return Vote(found) if found else None

    def vote_report(self, days: float | None, now: dt.datetime | None = None) -> VoteReport:
        """Per brief and per term, the team's votes cast or changed over the last `days`
        days (None: ever), least helpful first."""
        if days is not None and days <= 0:
            raise ValueError(f"The report covers a positive number of days, not {days}.")
        until = now or self.now()
        since = None if days is None else until - dt.timedelta(days=days)
        window = [votes.c.team_id == self.team, votes.c.vote.is_not(None)]
        window.append(votes.c.voted_at <= until)
        if since is not None:
            window.append(votes.c.voted_at > since)
        up = func.sum(case((votes.c.vote == Vote.UP.value, 1), else_=0)).label("up")
        down = func.sum(case((votes.c.vote == Vote.DOWN.value, 1), else_=0)).label("down")
        query = (
            select(votes.c.kind, votes.c.item_id, up, down)
            .where(*window)
            .group_by(votes.c.kind, votes.c.item_id)
        )
        with self._read() as connection:
            tallies = [
                Tally(ItemKind(row.kind), row.item_id, int(row.up), int(row.down))
                for row in connection.execute(query)
            ]
        return VoteReport(
            since=since,
            until=until,
            briefs=least_helpful_first([t for t in tallies if t.kind == ItemKind.BRIEF]),
            terms=least_helpful_first([t for t in tallies if t.kind == ItemKind.TERM]),
        )
