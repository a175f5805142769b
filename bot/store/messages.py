"""Messages the bot posted, their "Related briefs" and "Explain terms" threads, and what
Slack delivers twice.

The bot remembers which brief each of its posts shows (a daily post or a shared
answer), so a click or a thread under it knows its brief; claims the one related-briefs
reply under a message; and claims each event or click once however often Slack sends it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Table, delete, select, update

from bot.store.base import StoreBase, changed
from bot.store.records import MessageKind
from bot.store.tables import (
    ONCE_KEY,
    explained_messages,
    handled_once,
    posted_messages,
    related_threads,
)

ONCE_KEEP = dt.timedelta(days=1)
"""How long a claim on an event or click is kept."""


def record_post(
    insert: Callable[[Table], Any],
    connection: Connection,
    channel_id: str,
    ts: str,
    brief_id: str,
    kind: MessageKind,
    now: dt.datetime,
) -> None:
    """Remember, within `connection`'s transaction, which brief a message shows."""
    connection.execute(
        insert(posted_messages)
        .values(channel_id=channel_id, ts=ts, brief_id=brief_id, kind=kind.value, posted_at=now)
        .on_conflict_do_nothing(index_elements=[posted_messages.c.channel_id, posted_messages.c.ts])
    )


class PostedMessages(StoreBase):
    def record_post(self, channel_id: str, ts: str, brief_id: str, kind: MessageKind | str) -> None:
        """Remember which brief the message (channel, ts) shows; kind "daily" or "shared"."""
        try:
            kind = MessageKind(kind)
        except ValueError:
            kinds = tuple(k.value for k in MessageKind)
            raise ValueError(f"kind must be one of {kinds}, not {kind!r}.") from None
        with self._write() as connection:
            record_post(self._insert, connection, channel_id, ts, brief_id, kind, self.now())

    def brief_for_message(self, channel_id: str, ts: str) -> str | None:
        """The brief id a message the bot posted shows, or None if it is not one of ours."""
        query = select(posted_messages.c.brief_id).where(
            posted_messages.c.channel_id == channel_id, posted_messages.c.ts == ts
        )
        with self._read() as connection:
            brief_id: str | None = connection.execute(query).scalar()
            return brief_id


class RelatedThreads(StoreBase):
    def claim_related_thread(self, channel_id: str, parent_ts: str) -> bool:
        """Claim the one "Related briefs" reply under a message; True for the one winner."""
        stmt = (
            self._insert(related_threads)
            .values(channel_id=channel_id, parent_ts=parent_ts, created_at=self.now())
            .on_conflict_do_nothing(
                index_elements=[related_threads.c.channel_id, related_threads.c.parent_ts]
            )
        )
        with self._write() as connection:
            return changed(connection, stmt, related_threads)

    def set_related_reply(self, channel_id: str, parent_ts: str, reply_ts: str) -> None:
        with self._write() as connection:
            connection.execute(
                update(related_threads)
                .where(
                    related_threads.c.channel_id == channel_id,
                    related_threads.c.parent_ts == parent_ts,
                )
                .values(reply_ts=reply_ts)
            )

    def related_reply(self, channel_id: str, parent_ts: str) -> str | None:
        """The ts of the related-briefs reply, or None if not posted (or not yet)."""
        query = select(related_threads.c.reply_ts).where(
            related_threads.c.channel_id == channel_id,
            related_threads.c.parent_ts == parent_ts,
        )
        with self._read() as connection:
            reply_ts: str | None = connection.execute(query).scalar()
            return reply_ts

    def release_related_thread(self, channel_id: str, parent_ts: str) -> bool:
        """Drop a claim whose reply was never posted, so a later click can try again."""
        with self._write() as connection:
            result = connection.execute(
                delete(related_threads).where(
                    related_threads.c.channel_id == channel_id,
                    related_threads.c.parent_ts == parent_ts,
                    related_threads.c.reply_ts.is_(None),
                )
            )
            return result.rowcount == 1


class ExplainedMessages(StoreBase):
    """The one "Explain terms" reply posted in a message's thread (Post in thread)."""

    def claim_explanation(self, channel_id: str, message_ts: str) -> bool:
        """Claim the one explanation of a message's terms in its thread; True for the winner."""
        stmt = (
            self._insert(explained_messages)
            .values(channel_id=channel_id, message_ts=message_ts, created_at=self.now())
            .on_conflict_do_nothing(
                index_elements=[explained_messages.c.channel_id, explained_messages.c.message_ts]
            )
        )
        with self._write() as connection:
            return changed(connection, stmt, explained_messages)

    def set_explanation_reply(self, channel_id: str, message_ts: str, reply_ts: str) -> None:
        with self._write() as connection:
            connection.execute(
                update(explained_messages)
                .where(
                    explained_messages.c.channel_id == channel_id,
                    explained_messages.c.message_ts == message_ts,
                )
                .values(reply_ts=reply_ts)
            )

    def explanation_reply(self, channel_id: str, message_ts: str) -> str | None:
        """The ts of the explanation posted for a message, or None if not posted (or not yet)."""
        query = select(explained_messages.c.reply_ts).where(
            explained_messages.c.channel_id == channel_id,
            explained_messages.c.message_ts == message_ts,
        )
        with self._read() as connection:
            reply_ts: str | None = connection.execute(query).scalar()
            return reply_ts

    def release_explanation(self, channel_id: str, message_ts: str) -> bool:
        """Drop a claim whose explanation was never posted, so a later press can try again."""
        with self._write() as connection:
            result = connection.execute(
                delete(explained_messages).where(
                    explained_messages.c.channel_id == channel_id,
                    explained_messages.c.message_ts == message_ts,
                    explained_messages.c.reply_ts.is_(None),
                )
            )
            return result.rowcount == 1


class HandledOnce(StoreBase):
    def claim_once(self, key: str) -> bool:
        """True for the one caller that claims `key` (an event id, a click's source message);
        False for every later or concurrent delivery of the same thing.

        Claims older than `ONCE_KEEP` are dropped on the way: Slack retries an event
        for minutes, not days, and a button's message is gone once it has done its work.
        """
        key = _once_key(key)
        now = self.now()
        table = handled_once
        stmt = (
            self._insert(table)
            .values(key=key, claimed_at=now)
            .on_conflict_do_nothing(index_elements=[table.c.key])
        )
        with self._write() as connection:
            connection.execute(delete(table).where(table.c.claimed_at < now - ONCE_KEEP))
            return changed(connection, stmt, table)

    def release_once(self, key: str) -> None:
        """Give up a claim whose work certainly did not happen, so a new delivery can do it."""
        with self._write() as connection:
            connection.execute(delete(handled_once).where(handled_once.c.key == _once_key(key)))


def _once_key(key: str) -> str:
    """The key as stored; one longer than the column fits is stored as its digest."""
    if len(key) <= ONCE_KEY:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()
