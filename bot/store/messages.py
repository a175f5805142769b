"""Messages the bot posted, and what it does once however often it is asked.

The bot remembers which brief each of its posts shows (a daily post or a shared
answer), so a click or a thread under it knows its brief. Everything done once (an
event Slack delivers again, a share, a message's related-briefs or Explain terms
reply) is a claim keyed by its purpose, settled with what was posted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Table, delete, select, update

from bot.records import MessageKind, OnceClaim, OnceState
from bot.store.base import StoreBase, changed
from bot.store.tables import ONCE_KEY, handled_once, posted_messages

ONCE_KEEP = dt.timedelta(days=1)
"""How long a claim on an event or a share is kept, unless its caller says otherwise."""


def record_post(
    insert: Callable[[Table], Any],
    connection: Connection,
    team_id: str,
    channel_id: str,
    ts: str,
    brief_id: str,
    kind: MessageKind,
    now: dt.datetime,
) -> None:
    """Remember, within `connection`'s transaction, which brief a message shows."""
    row = {
        "team_id": team_id,
        "channel_id": channel_id,
        "ts": ts,
        "brief_id": brief_id,
        "kind": kind.value,
        "posted_at": now,
    }
    # The row as parameters: one compiled statement serves every post of a sweep.
    keys = [posted_messages.c.team_id, posted_messages.c.channel_id, posted_messages.c.ts]
    connection.execute(insert(posted_messages).on_conflict_do_nothing(index_elements=keys), row)


class PostedMessages(StoreBase):
    def record_post(self, channel_id: str, ts: str, brief_id: str, kind: MessageKind | str) -> None:
        """Remember which brief the message (channel, ts) shows; kind "daily" or "shared"."""
        try:
            kind = MessageKind(kind)
        except ValueError:
            kinds = tuple(k.value for k in MessageKind)
            raise ValueError(f"kind must be one of {kinds}, not {kind!r}.") from None
        with self._write() as connection:
            record_post(
                self._insert, connection, self.team, channel_id, ts, brief_id, kind, self.now()
            )

    def brief_for_message(self, channel_id: str, ts: str) -> str | None:
        """The brief id a message the bot posted shows, or None if it is not one of ours."""
        query = select(posted_messages.c.brief_id).where(
            posted_messages.c.team_id == self.team,
            posted_messages.c.channel_id == channel_id,
            posted_messages.c.ts == ts,
        )
        with self._read() as connection:
            brief_id: str | None = connection.execute(query).scalar()
            return brief_id


class Claims(StoreBase):
    """Claims on doing something once, keyed by purpose ("event:…", "share:…", "related:…",
    "explain:…"): the one caller whose claim takes effect does it, and settles the claim
    with what it posted, so every later caller finds it done."""

    def claim_once(self, key: str, *, keep: dt.timedelta | None = ONCE_KEEP) -> bool:
        """True for the one caller that claims `key`; False for every later or concurrent
        delivery of the same thing.

        A claim is forgotten `keep` after it was made (None: kept for good), and the
        forgotten ones are dropped on the way: Slack retries an event for minutes, not
        days, and a button's private answer is gone once it has done its work.
        """
        now = self.now()
        table = handled_once
        stmt = (
            self._insert(table)
            .values(
                team_id=self.team,
                key=_once_key(key),
                claimed_at=now,
                state=OnceState.CLAIMED.value,
                forget_after=None if keep is None else now + keep,
            )
            .on_conflict_do_nothing(index_elements=[table.c.team_id, table.c.key])
        )
        with self._write() as connection:
            connection.execute(delete(table).where(table.c.forget_after < now))
            return changed(connection, stmt, table)

    def once_claim(self, key: str) -> OnceClaim | None:
        """The claim on `key` as it stands, or None if there is none."""
        query = select(handled_once).where(
            handled_once.c.team_id == self.team, handled_once.c.key == _once_key(key)
        )
        with self._read() as connection:
            row = connection.execute(query).mappings().first()
        if row is None:
            return None
        state = OnceState(row["state"])
        return OnceClaim(row["key"], state, row["reply_ts"], row["claimed_at"])

    def settle_once(self, key: str, reply_ts: str | None) -> None:
        """Record that the claimed work is done, and the ts of what it posted."""
        self._move_once(key, OnceState.DONE, reply_ts=reply_ts)

    def doubt_once(self, key: str) -> None:
        """Record that the claimed post may or may not exist (Slack's answer was uncertain)."""
        self._move_once(key, OnceState.IN_DOUBT)

    def retake_once(self, key: str, *, stale_after: dt.timedelta) -> bool:
        """Claim again a claim in doubt, or one its holder has not settled for `stale_after`
        (it died mid-post); True for the one caller that takes it."""
        now = self.now()
        table = handled_once
        stmt = (
            update(table)
            .where(
                table.c.team_id == self.team,
                table.c.key == _once_key(key),
                (table.c.state == OnceState.IN_DOUBT.value)
                | (
                    (table.c.state == OnceState.CLAIMED.value)
                    & (table.c.claimed_at < now - stale_after)
                ),
            )
            .values(state=OnceState.CLAIMED.value, claimed_at=now)
        )
        with self._write() as connection:
            return connection.execute(stmt).rowcount == 1

    def release_once(self, key: str) -> bool:
        """Give up a claim whose work certainly did not happen, so a later try can do it;
        False if there was none to give up (work that is done stays done)."""
        table = handled_once
        with self._write() as connection:
            result = connection.execute(
                delete(table).where(
                    table.c.team_id == self.team,
                    table.c.key == _once_key(key),
                    table.c.state != OnceState.DONE.value,
                )
            )
            return result.rowcount == 1

    def _move_once(self, key: str, state: OnceState, **values: Any) -> None:
        table = handled_once
        with self._write() as connection:
            connection.execute(
                update(table)
                .where(
                    table.c.team_id == self.team,
                    table.c.key == _once_key(key),
                    table.c.state != OnceState.DONE.value,
                )
                .values(state=state.value, **values)
            )


def _once_key(key: str) -> str:
    """The key as stored; one longer than the column fits is stored as its digest."""
    if len(key) <= ONCE_KEY:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()
