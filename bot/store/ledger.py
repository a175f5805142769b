"""The delivery ledger: each channel's post goes out exactly once, whatever its kind.

One row per (channel, kind, slot): (channel, daily, local date), (channel, weekly, ISO
week), (channel, new, brief id), and (channel, more, local date) for the flood guard's
line: a `DeliveryKey` names it, and every method takes one. A row also keeps the local
date it was posted for (the flood guard counts a channel's announcements by it).

The first process to insert a row owns the post; every later step is a compare-and-set
from the states its `Move` allows to the next one, and, once a worker is named, only
by the process that holds the row. Of several processes (or threads) attempting the
same step, the database lets exactly one win.

    (no row) --claim--> claimed --posting--> posting --posted--> posted
    (no row) --send--> posting       (claimed as the request goes out, in one step)
                        claimed | posting --failed--> failed --retry--> claimed
                        claimed | posting --unknown--> unknown --posted--> posted
                        claimed --skipped--> skipped
    (no row) --hold--> skipped       (the flood guard: never posted, in one step)
                        claimed | posting --adopt--> (same state, new owner)

`unknown` means the post may have gone out: it is reported and never sent again, and
becomes `posted` only when the post is found in Slack. A row left `claimed` or
`posting` by a process that died is adopted by another one, which reconciles it with
Slack before sending anything.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, select, update

from bot.records import (
    IN_FLIGHT,
    Delivery,
    DeliveryKey,
    DeliveryKind,
    DeliveryState,
    MessageKind,
)
from bot.store.base import StoreBase, cap
from bot.store.messages import record_post
from bot.store.tables import ID, deliveries


@dataclass(frozen=True, slots=True)
class Transition:
    """Which states a move starts from and the state it leaves the row in."""

    sources: frozenset[DeliveryState]
    """Empty for a claim: it starts from no row at all."""
    target: DeliveryState | None
    """None for an adoption: the state stays, only the owner changes."""


def _t(sources: Iterable[DeliveryState], target: DeliveryState | None) -> Transition:
    return Transition(frozenset(sources), target)


class Move(Enum):
    """The steps a ledger row can take, each with its `Transition`: the one table of them."""

    CLAIM = _t((), DeliveryState.CLAIMED)
    # Claimed just before its request goes out: one write where claim then posting
    # take two, for the sweep's posts that nothing else needs to see claimed first.
    SEND = _t((), DeliveryState.POSTING)
    # Claimed and skipped at once, so no other process ever sees it in flight (the
    # flood guard counts a channel's announcements in flight as sent).
    HOLD = _t((), DeliveryState.SKIPPED)
    # Just before the request goes out; counts an attempt.
    POSTING = _t((DeliveryState.CLAIMED,), DeliveryState.POSTING)
    # From unknown too: a post found in Slack after all.
    POSTED = _t(
        (DeliveryState.CLAIMED, DeliveryState.POSTING, DeliveryState.UNKNOWN), DeliveryState.POSTED
    )
    # Slack answered with an error, so nothing was posted.
    FAILED = _t(IN_FLIGHT, DeliveryState.FAILED)
    # The request may have posted: report it, never post it again.
    UNKNOWN = _t(IN_FLIGHT, DeliveryState.UNKNOWN)
    # Deliberately not posted (e.g. missed by more than the catch-up window).
    SKIPPED = _t((DeliveryState.CLAIMED,), DeliveryState.SKIPPED)
    RETRY = _t((DeliveryState.FAILED,), DeliveryState.CLAIMED)
    # A process that died leaves its row in flight; another one takes it over.
    ADOPT = _t(IN_FLIGHT, None)

    @property
    def sources(self) -> frozenset[DeliveryState]:
        sources: frozenset[DeliveryState] = self.value.sources
        return sources

    @property
    def target(self) -> DeliveryState | None:
        target: DeliveryState | None = self.value.target
        return target


def allowed(state: DeliveryState | None, move: Move) -> bool:
    """Whether a row in `state` (None: no row yet) may take `move`."""
    return not move.sources if state is None else state in move.sources


def worker_id() -> str:
    """A name for this process that no other process, here or on another host, shares."""
    suffix = f":{os.getpid()}:{uuid.uuid4().hex[:8]}"
    return socket.gethostname()[: ID - len(suffix)] + suffix


class DeliveryLedger(StoreBase):
    """Every method names its row by a `DeliveryKey`; claiming also records the local
    date the post is for (the flood guard counts a channel's announcements by it)."""

    def claim(
        self,
        key: DeliveryKey,
        local_date: dt.date,
        brief_id: str,
        version: str,
        worker: str,
        *,
        items: int | None = None,
        sending: bool = False,
    ) -> bool:
        """Claim the post `key` names; True only for the one caller that did.

        `sending`: the caller sends it next, so the row is claimed already `posting`
        (an attempt counted) in one write; a process that dies before sending leaves it
        `posting`, which is looked up in Slack before any resend."""
        move = Move.SEND if sending else Move.CLAIM
        return self._add(move, {key: brief_id}, local_date, version, worker, items=items)

    def hold(
        self,
        keys: Iterable[DeliveryKey],
        local_date: dt.date,
        version: str,
        worker: str,
        reason: str,
    ) -> bool:
        """Record posts as skipped without ever claiming them (new briefs the flood guard
        holds back), in one statement: a bulk of 50 new briefs in 1,000 channels is 1,000
        writes rather than 47,000. Rows that exist already (another replica held or
        claimed them) are left as they are; True if any was recorded by this call."""
        brief_ids = {key: key.slot if key.kind is DeliveryKind.NEW else "" for key in keys}
        return self._add(Move.HOLD, brief_ids, local_date, version, worker, error=reason)

    def _add(
        self,
        move: Move,
        brief_ids: Mapping[DeliveryKey, str],
        local_date: dt.date,
        version: str,
        worker: str,
        *,
        items: int | None = None,
        error: str | None = None,
    ) -> bool:
        """Insert the rows of `brief_ids`' keys that do not exist yet, in the state `move`
        leaves them in; True if any was inserted."""
        target = move.target
        assert target is not None
        now = self.now()
        rows = [
            {
                "team_id": self.team,
                "channel_id": key.channel,
                "kind": key.kind.value,
                "slot": key.slot,
                "local_date": local_date,
                "state": target.value,
                "brief_id": brief_id,
                "content_version": version,
                "claimed_by": worker,
                "claimed_at": now,
                "updated_at": now,
                "attempts": 1 if target is DeliveryState.POSTING else 0,
                "items": items,
                "error": cap(error) if error else None,
            }
            for key, brief_id in brief_ids.items()
        ]
        if not rows:
            return False
        # The rows go as parameters, not in the statement: one compiled statement serves
        # every claim (a statement holding its rows is compiled anew for each).
        stmt = (
            self._insert(deliveries)
            .on_conflict_do_nothing(
                index_elements=[
                    deliveries.c.team_id,
                    deliveries.c.channel_id,
                    deliveries.c.kind,
                    deliveries.c.slot,
                ]
            )
            .returning(deliveries.c.state)
        )
        with self._write() as connection:
            return connection.execute(stmt, rows).first() is not None

    def mark_posting(self, key: DeliveryKey, *, worker: str | None = None) -> bool:
        """claimed -> posting, just before the request goes out; counts an attempt."""
        return self._move(key, Move.POSTING, worker, attempts=deliveries.c.attempts + 1)

    def mark_posted(self, key: DeliveryKey, ts: str, *, worker: str | None = None) -> bool:
        """-> posted with the message ts; a post of one brief (daily, new) is also recorded
        as a posted message of that brief.

        Allowed from claimed, posting, and unknown (a reconciled post).
        """
        with self._write() as connection:
            moved = self._move_in(
                connection,
                key,
                Move.POSTED,
                worker,
                deliveries.c.brief_id,
                message_ts=ts,
                error=None,
            )
            if moved is not None and key.kind in (DeliveryKind.DAILY, DeliveryKind.NEW):
                brief_id = moved[0]
                record_post(
                    self._insert,
                    connection,
                    self.team,
                    key.channel,
                    ts,
                    brief_id,
                    MessageKind.DAILY,
                    self.now(),
                )
            return moved is not None

    def mark_failed(self, key: DeliveryKey, error: str, *, worker: str | None = None) -> bool:
        """claimed|posting -> failed: Slack answered with an error, so nothing was posted."""
        return self._move(key, Move.FAILED, worker, error=cap(error))

    def mark_unknown(self, key: DeliveryKey, error: str, *, worker: str | None = None) -> bool:
        """claimed|posting -> unknown: the request may have posted; report, never re-post."""
        return self._move(key, Move.UNKNOWN, worker, error=cap(error))

    def mark_skipped(self, key: DeliveryKey, reason: str, *, worker: str | None = None) -> bool:
        """claimed -> skipped: deliberately not posted (e.g. missed by too long)."""
        return self._move(key, Move.SKIPPED, worker, error=cap(reason))

    def retry_failed(self, key: DeliveryKey, worker: str) -> bool:
        """failed -> claimed by `worker`, to try again; True for the one caller that did."""
        return self._move(key, Move.RETRY, None, claimed_by=worker, claimed_at=self.now())

    def take_over(self, key: DeliveryKey, worker: str, *, from_worker: str) -> bool:
        """Adopt a stale claimed|posting row from a process that died, keeping its state.

        Compare-and-set on the old owner, so of several processes reconciling the same
        row, one wins. A claimed row was never sent; a posting row may have been, so
        the new owner must reconcile it with Slack before posting again.

        `claimed_at` is kept: it is older than any send of this claim, so a search of
        the channel's history from it finds the post however many times the row was
        adopted (an adopter whose lookup failed, or that died, leaves it as it was).
        """
        return self._move(key, Move.ADOPT, from_worker, claimed_by=worker)

    def delivery(self, key: DeliveryKey) -> Delivery | None:
        with self._read() as connection:
            row = connection.execute(select(deliveries).where(*self._where(key))).mappings().first()
        return Delivery.from_row(row) if row else None

    def deliveries(
        self,
        *,
        state: str | Iterable[str] | None = None,
        since: dt.date | None = None,
        channel_id: str | None = None,
        kind: DeliveryKind | Iterable[DeliveryKind] | None = None,
    ) -> list[Delivery]:
        """The team's ledger rows, oldest date first; filtered by state(s), first date,
        channel, kind(s)."""
        query = (
            select(deliveries)
            .where(deliveries.c.team_id == self.team)
            .order_by(
                deliveries.c.local_date,
                deliveries.c.channel_id,
                deliveries.c.kind,
                deliveries.c.slot,
            )
        )
        if kind is not None:
            kinds = [kind] if isinstance(kind, DeliveryKind) else list(kind)
            query = query.where(deliveries.c.kind.in_([k.value for k in kinds]))
        if state is not None:
            states = [state] if isinstance(state, str) else list(state)
            query = query.where(deliveries.c.state.in_([str(s) for s in states]))
        if since is not None:
            query = query.where(deliveries.c.local_date >= since)
        if channel_id is not None:
            query = query.where(deliveries.c.channel_id == channel_id)
        with self._read() as connection:
            return [Delivery.from_row(row) for row in connection.execute(query).mappings()]

    def latest_delivery_date(self, channel_id: str) -> dt.date | None:
        """The newest local date of a channel's daily posts in the ledger, in any state."""
        query = select(func.max(deliveries.c.local_date)).where(
            deliveries.c.team_id == self.team,
            deliveries.c.channel_id == channel_id,
            deliveries.c.kind == DeliveryKind.DAILY.value,
        )
        with self._read() as connection:
            latest: dt.date | None = connection.execute(query).scalar()
            return latest

    def stale_claims(self, older_than: dt.timedelta) -> list[Delivery]:
        """Rows an adoption may take, untouched for `older_than`: their process likely died.

        Reconcile these (check Slack for the post) rather than posting them again.
        """
        cutoff = self.now() - older_than
        query = (
            select(deliveries)
            .where(
                deliveries.c.team_id == self.team,
                deliveries.c.state.in_(_values(Move.ADOPT.sources)),
                deliveries.c.updated_at < cutoff,
            )
            .order_by(deliveries.c.local_date, deliveries.c.channel_id)
        )
        with self._read() as connection:
            return [Delivery.from_row(row) for row in connection.execute(query).mappings()]

    def _move(self, key: DeliveryKey, move: Move, worker: str | None, **values: Any) -> bool:
        with self._write() as connection:
            return self._move_in(connection, key, move, worker, **values) is not None

    def _move_in(
        self,
        connection: Connection,
        key: DeliveryKey,
        move: Move,
        worker: str | None,
        returning: Any = None,
        **values: Any,
    ) -> Any:
        """Compare-and-set one `Move`: if this call made the change, the moved row's
        `returning` columns (a row), or True; None if it did not.

        With `worker`, only a row that worker holds moves.
        """
        if move.target is not None:
            values["state"] = move.target.value
        conditions = [*self._where(key), deliveries.c.state.in_(_values(move.sources))]
        if worker is not None:
            conditions.append(deliveries.c.claimed_by == worker)
        stmt = update(deliveries).where(*conditions).values(updated_at=self.now(), **values)
        if returning is None:
            return True if connection.execute(stmt).rowcount == 1 else None
        # RETURNING reads what the row holds in the same statement (SQLite 3.35+, PostgreSQL).
        return connection.execute(stmt.returning(returning)).first()

    def close_pending(self, reason: str) -> int:
        """Close every row of the team not yet sent (claimed, or failed and waiting for a
        retry) as skipped, so nothing more is posted for it; how many were closed. Rows
        in flight elsewhere (posting) cannot be stopped and are reconciled as usual."""
        with self._write() as connection:
            return int(connection.execute(self.close_pending_statement(reason)).rowcount)

    def close_pending_statement(self, reason: str) -> Any:
        pending = [DeliveryState.CLAIMED.value, DeliveryState.FAILED.value]
        return (
            update(deliveries)
            .where(deliveries.c.team_id == self.team, deliveries.c.state.in_(pending))
            .values(state=DeliveryState.SKIPPED.value, error=cap(reason), updated_at=self.now())
        )

    def _where(self, key: DeliveryKey) -> list[ColumnElement[bool]]:
        """The conditions naming one row of the team."""
        return [deliveries.c.team_id == self.team, *_key_where(key)]


def _key_where(key: DeliveryKey) -> list[ColumnElement[bool]]:
    return [
        deliveries.c.channel_id == key.channel,
        deliveries.c.kind == key.kind.value,
        deliveries.c.slot == key.slot,
    ]


def _values(states: Iterable[DeliveryState]) -> list[str]:
    # Sorted, so the same move always sends the same statement.
    return sorted(state.value for state in states)
