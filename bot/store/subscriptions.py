"""Subscriptions: which channels get the daily post, when, and whether it is paused.

A channel is subscribed from Slack (`/brief subscribe`) or declared by the admins in
content/schedule.yml; a declared channel cannot be changed from Slack.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, delete, select, update

from bot.schedule import Schedule
from bot.store.base import StoreBase, cap, changed
from bot.store.records import DeclaredChannelError, Subscription, SyncResult
from bot.store.tables import subscriptions


class Subscriptions(StoreBase):
    def subscribe(self, channel_id: str, schedule: Schedule, created_by: str) -> Subscription:
        """Create or change a channel's schedule from Slack; resumes it if it was paused.

        Raises DeclaredChannelError for a channel declared in content/schedule.yml.
        """
        now = self.now()
        table = subscriptions
        stmt = self._insert(table).values(
            _subscription_row(channel_id, schedule, created_by, "slack", now)
        )
        changes = {
            name: stmt.excluded[name]
            for name in ("post_time", "timezone", "days", "created_by", "updated_at")
        }
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.channel_id],
            set_={**changes, "paused": False, "paused_reason": None},
            where=table.c.source == "slack",
        )
        with self._write() as connection:
            if not changed(connection, stmt, table):
                raise DeclaredChannelError(channel_id)
            return self._subscription(connection, channel_id)  # type: ignore[return-value]

    def unsubscribe(self, channel_id: str) -> bool:
        """Stop a channel's daily post; False if it had none.

        Raises DeclaredChannelError for a channel declared in content/schedule.yml.
        """
        table = subscriptions
        with self._write() as connection:
            removed = connection.execute(
                delete(table).where(table.c.channel_id == channel_id, table.c.source == "slack")
            ).rowcount
            if removed == 0 and self._subscription(connection, channel_id) is not None:
                raise DeclaredChannelError(channel_id)
            return removed > 0

    def subscription(self, channel_id: str) -> Subscription | None:
        with self._read() as connection:
            return self._subscription(connection, channel_id)

    def subscriptions(self, *, include_paused: bool = True) -> list[Subscription]:
        """All subscriptions, by channel id."""
        query = select(subscriptions).order_by(subscriptions.c.channel_id)
        if not include_paused:
            query = query.where(subscriptions.c.paused.is_(False))
        with self._read() as connection:
            return [Subscription.from_row(row) for row in connection.execute(query).mappings()]

    def sync_declared(self, declared: Mapping[str, Schedule]) -> SyncResult:
        """Make the store's declared channels match content/schedule.yml (channel -> schedule).

        Adds and updates the declared channels (a channel subscribed from Slack that is
        now declared becomes declared), removes declared channels no longer listed, and
        leaves every other Slack subscription alone. A paused channel stays paused.
        """
        table = subscriptions
        now = self.now()
        with self._write() as connection:
            before = {
                row.channel_id: row
                for row in connection.execute(
                    select(table).where(
                        (table.c.source == "schedule_file") | table.c.channel_id.in_(list(declared))
                    )
                )
            }
            added: list[str] = []
            updated: list[str] = []
            for channel_id, schedule in sorted(declared.items()):
                stmt = self._insert(table).values(
                    _subscription_row(channel_id, schedule, None, "schedule_file", now)
                )
                fields = ("post_time", "timezone", "days", "source", "created_by")
                stmt = stmt.on_conflict_do_update(
                    index_elements=[table.c.channel_id],
                    set_={name: stmt.excluded[name] for name in (*fields, "updated_at")},
                    # Only rows that really change, so updated_at tells when they did.
                    where=(table.c.source != "schedule_file")
                    | (table.c.post_time != stmt.excluded.post_time)
                    | (table.c.timezone != stmt.excluded.timezone)
                    | (table.c.days != stmt.excluded.days),
                )
                if changed(connection, stmt, table):
                    (updated if channel_id in before else added).append(channel_id)
            gone = sorted(
                channel_id
                for channel_id, row in before.items()
                if row.source == "schedule_file" and channel_id not in declared
            )
            if gone:
                connection.execute(delete(table).where(table.c.channel_id.in_(gone)))
        return SyncResult(tuple(added), tuple(updated), tuple(gone))

    def pause(self, channel_id: str, reason: str) -> bool:
        """Stop posting to a channel until it is resumed (e.g. the bot was removed from it)."""
        return self._set_paused(channel_id, True, cap(reason))

    def resume(self, channel_id: str) -> bool:
        return self._set_paused(channel_id, False, None)

    def _set_paused(self, channel_id: str, paused: bool, reason: str | None) -> bool:
        table = subscriptions
        with self._write() as connection:
            return (
                connection.execute(
                    update(table)
                    .where(table.c.channel_id == channel_id)
                    .values(paused=paused, paused_reason=reason, updated_at=self.now())
                ).rowcount
                > 0
            )

    @staticmethod
    def _subscription(connection: Connection, channel_id: str) -> Subscription | None:
        row = (
            connection.execute(
                select(subscriptions).where(subscriptions.c.channel_id == channel_id)
            )
            .mappings()
            .first()
        )
        return Subscription.from_row(row) if row else None


def _subscription_row(
    channel_id: str, schedule: Schedule, created_by: str | None, source: str, now: dt.datetime
) -> dict[str, Any]:
    """A new, active subscription row, whether it comes from Slack or schedule.yml."""
    return {
        "channel_id": channel_id,
        "post_time": schedule.time_text,
        "timezone": schedule.timezone,
        "days": schedule.days,
        "created_by": created_by,
        "source": source,
        "paused": False,
        "paused_reason": None,
        "created_at": now,
        "updated_at": now,
    }
