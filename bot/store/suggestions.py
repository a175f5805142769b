"""Suggestions of a term or a fix: who suggested what and when, and the admins' decisions.

Every row belongs to one team (`team_id` leads its key), and every read and write here
names the store's team, so an id from another workspace finds nothing. Decisions are
compare-and-set (`… WHERE state = 'open'`): a double click, or two admins at once,
decide a suggestion once.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select, update

from bot.store.base import StoreBase, cap
from bot.store.tables import QUERY, suggestions

OPEN_LIMIT = 10
"""Open suggestions one person may have at a time."""


class Added(StrEnum):
    NEW = "new"
    MERGED = "merged"
    """A duplicate of an open suggestion: the person is added to it."""
    FLOOD = "flood"
    """The person already has `OPEN_LIMIT` open suggestions: nothing was recorded."""


@dataclass(frozen=True, slots=True)
class Suggestion:
    id: str
    team_id: str
    user_id: str
    created_at: dt.datetime
    kind: str
    target: str
    base_hash: str
    proposal: str
    """The proposal as JSON (`bot.content.proposals.Proposal.to_json`)."""
    also_by: tuple[str, ...]
    """People whose duplicate suggestions were merged into this one."""
    state: str
    edited_by: str | None
    decided_by: str | None
    decided_at: dt.datetime | None
    reason: str | None
    outcome: str | None
    review_messages: tuple[tuple[str, str], ...]
    """The admins' messages about it (channel, ts), to show the decision in each."""

    @property
    def suggesters(self) -> tuple[str, ...]:
        return (self.user_id, *self.also_by)


def _row(row: object) -> Suggestion:
    data = row._mapping  # type: ignore[attr-defined]
    also = tuple(json.loads(data["also_by"])) if data["also_by"] else ()
    return Suggestion(
        id=data["id"],
        team_id=data["team_id"],
        user_id=data["user_id"],
        created_at=data["created_at"],
        kind=data["kind"],
        target=data["target"],
        base_hash=data["base_hash"],
        proposal=data["proposal"],
        also_by=also,
        state=data["state"],
        edited_by=data["edited_by"],
        decided_by=data["decided_by"],
        decided_at=data["decided_at"],
        reason=data["reason"],
        outcome=data["outcome"],
        review_messages=tuple(
            (str(c), str(t)) for c, t in json.loads(data["review_messages"] or "[]")
        ),
    )


class Suggestions(StoreBase):
    def add_suggestion(
        self,
        user_id: str,
        kind: str,
        target: str,
        base_hash: str,
        proposal: str,
        dedupe_key: str,
        *,
        limit: int = OPEN_LIMIT,
    ) -> tuple[Added, Suggestion | None]:
        """Record a suggestion by `user_id`, or merge it into the open one it duplicates,
        or refuse it when the person has `limit` open suggestions already."""
        mine = suggestions.c
        with self._write() as connection:
            same = connection.execute(
                select(suggestions)
                .where(
                    mine.team_id == self.team,
                    mine.dedupe_key == dedupe_key,
                    mine.state == "open",
                )
                .order_by(mine.created_at)
                .limit(1)
            ).first()
            if same is not None:
                found = _row(same)
                if user_id not in found.suggesters:
                    also = json.dumps([*found.also_by, user_id])
                    connection.execute(
                        update(suggestions)
                        .where(mine.team_id == self.team, mine.id == found.id)
                        .values(also_by=also)
                    )
                return Added.MERGED, self._get(connection, found.id)
            count = connection.execute(
                select(func.count())
                .select_from(suggestions)
                .where(mine.team_id == self.team, mine.user_id == user_id, mine.state == "open")
            ).scalar_one()
            if count >= limit:
                return Added.FLOOD, None
            new_id = uuid.uuid4().hex[:12]
            connection.execute(
                suggestions.insert().values(
                    team_id=self.team,
                    id=new_id,
                    user_id=user_id,
                    created_at=self.now(),
                    kind=kind,
                    target=target[:QUERY],
                    base_hash=base_hash,
                    proposal=proposal,
                    dedupe_key=dedupe_key,
                    also_by="",
                    state="open",
                )
            )
            return Added.NEW, self._get(connection, new_id)

    def _get(self, connection: object, suggestion_id: str) -> Suggestion | None:
        mine = suggestions.c
        row = connection.execute(  # type: ignore[attr-defined]
            select(suggestions).where(mine.team_id == self.team, mine.id == suggestion_id)
        ).first()
        return _row(row) if row is not None else None

    def suggestion(self, suggestion_id: str) -> Suggestion | None:
        """This team's suggestion `suggestion_id`, or None (another team's is None too)."""
        with self._read() as connection:
            return self._get(connection, suggestion_id)

    def open_suggestions(self, user_id: str | None = None) -> list[Suggestion]:
        """This team's open suggestions (of `user_id`, if given), oldest first."""
        mine = suggestions.c
        query = select(suggestions).where(mine.team_id == self.team, mine.state == "open")
        if user_id is not None:
            query = query.where(mine.user_id == user_id)
        with self._read() as connection:
            return [_row(r) for r in connection.execute(query.order_by(mine.created_at))]

    def suggestions_made(self) -> list[Suggestion]:
        """Every suggestion of this team, open and decided, oldest first."""
        query = select(suggestions).where(suggestions.c.team_id == self.team)
        with self._read() as connection:
            return [_row(r) for r in connection.execute(query.order_by(suggestions.c.created_at))]

    def add_review_message(self, suggestion_id: str, channel: str, ts: str) -> None:
        """Where one of the admins' messages about the suggestion is (updated once decided)."""
        mine = suggestions.c
        with self._write() as connection:
            found = self._get(connection, suggestion_id)
            if found is None:
                return
            kept = json.dumps([*map(list, found.review_messages), [channel, ts]])
            connection.execute(
                update(suggestions)
                .where(mine.team_id == self.team, mine.id == suggestion_id)
                .values(review_messages=kept)
            )

    def edit_suggestion(
        self, suggestion_id: str, proposal: str, dedupe_key: str, edited_by: str
    ) -> bool:
        """An admin's edit of an open suggestion; False when it is no longer open."""
        mine = suggestions.c
        with self._write() as connection:
            done = connection.execute(
                update(suggestions)
                .where(mine.team_id == self.team, mine.id == suggestion_id, mine.state == "open")
                .values(proposal=proposal, dedupe_key=dedupe_key, edited_by=edited_by)
            )
            return bool(done.rowcount)

    def decide_suggestion(
        self,
        suggestion_id: str,
        state: str,
        decided_by: str,
        *,
        reason: str | None = None,
        outcome: str | None = None,
    ) -> bool:
        """Close an open suggestion as "approved" or "declined"; True for the one caller
        that closed it (a second click, or another admin, gets False)."""
        if state not in ("approved", "declined"):
            raise ValueError(f"a suggestion is approved or declined, not {state!r}")
        mine = suggestions.c
        with self._write() as connection:
            done = connection.execute(
                update(suggestions)
                .where(mine.team_id == self.team, mine.id == suggestion_id, mine.state == "open")
                .values(
                    state=state,
                    decided_by=decided_by,
                    decided_at=self.now(),
                    reason=cap(reason) if reason else None,
                    outcome=cap(outcome) if outcome else None,
                )
            )
            return bool(done.rowcount)

    def note_outcome(self, suggestion_id: str, outcome: str) -> None:
        """What happened when an open suggestion could not be applied (kept open)."""
        mine = suggestions.c
        with self._write() as connection:
            connection.execute(
                update(suggestions)
                .where(mine.team_id == self.team, mine.id == suggestion_id)
                .values(outcome=cap(outcome))
            )

    def reopen_suggestion(self, suggestion_id: str, outcome: str) -> None:
        """Open an approved suggestion again when its change could not be written."""
        mine = suggestions.c
        with self._write() as connection:
            connection.execute(
                update(suggestions)
                .where(
                    mine.team_id == self.team,
                    mine.id == suggestion_id,
                    mine.state == "approved",
                )
                .values(state="open", decided_by=None, decided_at=None, outcome=cap(outcome))
            )
