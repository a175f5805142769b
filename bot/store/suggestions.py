"""Suggestions of a term or a fix: who suggested what and when, and the admins' decisions.

Every row belongs to one team (`team_id` leads its key), and every read and write here
names the store's team, so an id from another workspace finds nothing. Decisions are
compare-and-set (`… WHERE state = 'open'`): a double click, or two admins at once,
decide a suggestion once.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, func, select, update

from bot.records import Added, Suggestion
from bot.store.base import StoreBase, cap
from bot.store.tables import QUERY, suggestions

OPEN_LIMIT = 10
"""Open suggestions one person may have at a time."""


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
            same = (
                connection.execute(
                    self._ours(mine.dedupe_key == dedupe_key, mine.state == "open")
                    .order_by(mine.created_at)
                    .limit(1)
                )
                .mappings()
                .first()
            )
            if same is not None:
                found = Suggestion.from_row(same)
                if user_id not in found.suggesters:
                    self._set(connection, found.id, also_by=json.dumps([*found.also_by, user_id]))
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

    def _ours(self, *conditions: ColumnElement[bool]) -> Select[Any]:
        """The query for this team's suggestions that meet `conditions`: every read names
        the team, so an id from another workspace finds nothing."""
        return select(suggestions).where(suggestions.c.team_id == self.team, *conditions)

    def _get(self, connection: Connection, suggestion_id: str) -> Suggestion | None:
        query = self._ours(suggestions.c.id == suggestion_id)
        row = connection.execute(query).mappings().first()
        return Suggestion.from_row(row) if row is not None else None

    def _set(
        self,
        connection: Connection,
        suggestion_id: str,
        *,
        while_state: str | None = None,
        **values: object,
    ) -> bool:
        """Write `values` into this team's suggestion `suggestion_id` (only while it is in
        `while_state`, when given: the compare-and-set of a decision); whether it was."""
        mine = suggestions.c
        change = update(suggestions).where(mine.team_id == self.team, mine.id == suggestion_id)
        if while_state is not None:
            change = change.where(mine.state == while_state)
        return bool(connection.execute(change.values(**values)).rowcount)

    def suggestion(self, suggestion_id: str) -> Suggestion | None:
        """This team's suggestion `suggestion_id`, or None (another team's is None too)."""
        with self._read() as connection:
            return self._get(connection, suggestion_id)

    def open_suggestions(self, user_id: str | None = None) -> list[Suggestion]:
        """This team's open suggestions (of `user_id`, if given), oldest first."""
        query = self._ours(suggestions.c.state == "open")
        if user_id is not None:
            query = query.where(suggestions.c.user_id == user_id)
        return self._oldest_first(query)

    def suggestions_made(self) -> list[Suggestion]:
        """Every suggestion of this team, open and decided, oldest first."""
        return self._oldest_first(self._ours())

    def _oldest_first(self, query: Select[Any]) -> list[Suggestion]:
        with self._read() as connection:
            rows = connection.execute(query.order_by(suggestions.c.created_at)).mappings()
            return [Suggestion.from_row(row) for row in rows]

    def add_review_message(self, suggestion_id: str, channel: str, ts: str) -> None:
        """Where one of the admins' messages about the suggestion is (updated once decided)."""
        with self._write() as connection:
            found = self._get(connection, suggestion_id)
            if found is None:
                return
            kept = json.dumps([*map(list, found.review_messages), [channel, ts]])
            self._set(connection, suggestion_id, review_messages=kept)

    def edit_suggestion(
        self, suggestion_id: str, proposal: str, dedupe_key: str, edited_by: str
    ) -> bool:
        """An admin's edit of an open suggestion; False when it is no longer open."""
        with self._write() as connection:
            return self._set(
                connection,
                suggestion_id,
                while_state="open",
                proposal=proposal,
                dedupe_key=dedupe_key,
                edited_by=edited_by,
            )

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
        with self._write() as connection:
            return self._set(
                connection,
                suggestion_id,
                while_state="open",
                state=state,
                decided_by=decided_by,
                decided_at=self.now(),
                reason=cap(reason) if reason else None,
                outcome=cap(outcome) if outcome else None,
            )

    def note_outcome(self, suggestion_id: str, outcome: str) -> None:
        """What happened when an open suggestion could not be applied (kept open)."""
        with self._write() as connection:
            self._set(connection, suggestion_id, outcome=cap(outcome))

    def reopen_suggestion(self, suggestion_id: str, outcome: str) -> None:
        """Open an approved suggestion again when its change could not be written."""
        with self._write() as connection:
            self._set(
                connection,
                suggestion_id,
                while_state="approved",
                state="open",
                decided_by=None,
                decided_at=None,
                outcome=cap(outcome),
            )
