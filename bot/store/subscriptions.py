"""Subscriptions: what each channel gets (daily, new, weekly), when, and whether paused.

A channel holds at most one subscription of each kind. It is subscribed from Slack
(`/brief subscribe`) or declared by the admins in content/schedule.yml; a declared
subscription cannot be changed from Slack.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from bot.records import DeclaredChannelError, Subscription, SyncResult
from bot.schedule import Kind, Schedule, SubscriptionSpec
from bot.store.base import StoreBase, cap, changed
from bot.store.tables import subscriptions


class Subscriptions(StoreBase):
    def subscribe(
        self, channel_id: str, spec: Schedule | SubscriptionSpec, created_by: str
    ) -> Subscription:
        """Create or change a channel's subscription of the spec's kind from Slack (a bare
        Schedule is a daily one); resumes it if it was paused. Its other kinds stay.

        Raises DeclaredChannelError for a subscription declared in content/schedule.yml.
        """
        spec = _as_spec(spec)
        now = self.now()
        table = subscriptions
        stmt = self._insert(table).values(self._row(channel_id, spec, created_by, "slack", now))
        changes = {
            name: stmt.excluded[name]
            for name in ("post_time", "timezone", "days", "tags", "created_by", "updated_at")
        }
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.team_id, table.c.channel_id, table.c.kind],
            set_={**changes, "paused": False, "paused_reason": None},
            where=table.c.source == "slack",
        )
        with self._write() as connection:
            if not changed(connection, stmt, table):
                raise DeclaredChannelError(channel_id)
            return self._subscription(connection, channel_id, spec.kind)  # type: ignore[return-value]

    def unsubscribe(self, channel_id: str, kind: Kind | None = None) -> bool:
        """End a channel's subscription of `kind`, or all of them (None); False if none ended.

        Raises DeclaredChannelError when the only ones to end are declared in
        content/schedule.yml (declared ones are never removed from Slack).
        """
        table = subscriptions
        where = [table.c.team_id == self.team, table.c.channel_id == channel_id]
        if kind is not None:
            where.append(table.c.kind == Kind(kind).value)
        with self._write() as connection:
            removed = connection.execute(
                delete(table).where(*where, table.c.source == "slack")
            ).rowcount
            if removed == 0 and connection.execute(select(table.c.kind).where(*where)).first():
                raise DeclaredChannelError(channel_id)
            return removed > 0

    def subscription(self, channel_id: str, kind: Kind = Kind.DAILY) -> Subscription | None:
        """The channel's subscription of `kind` (default: its daily post), if any."""
        with self._read() as connection:
            return self._subscription(connection, channel_id, kind)

    def channel_subscriptions(self, channel_id: str) -> list[Subscription]:
        """Every subscription of a channel, in the order daily, new, weekly."""
        query = select(subscriptions).where(
            subscriptions.c.team_id == self.team, subscriptions.c.channel_id == channel_id
        )
        with self._read() as connection:
            found = [Subscription.from_row(row) for row in connection.execute(query).mappings()]
        order = list(Kind)
        return sorted(found, key=lambda s: order.index(Kind(s.kind)))

    def subscriptions(self, *, include_paused: bool = True) -> list[Subscription]:
        """All the team's subscriptions of every kind, by channel id and kind."""
        query = (
            select(subscriptions)
            .where(subscriptions.c.team_id == self.team)
            .order_by(subscriptions.c.channel_id, subscriptions.c.kind)
        )
        if not include_paused:
            query = query.where(subscriptions.c.paused.is_(False))
        with self._read() as connection:
            return [Subscription.from_row(row) for row in connection.execute(query).mappings()]

    def sync_declared(
        self,
        declared: Mapping[str, Schedule | SubscriptionSpec]
        | Mapping[tuple[str, Kind], Schedule | SubscriptionSpec],
    ) -> SyncResult:
        """Make the store's declared subscriptions match content/schedule.yml.

        `declared` maps a channel (its daily post) or a (channel, kind) to its schedule or
        spec. Adds and updates the declared subscriptions (one subscribed from Slack that
        is now declared becomes declared), removes declared ones no longer listed, and
        leaves every other Slack subscription alone. A paused one stays paused.
        """
        wanted: dict[tuple[str, Kind], SubscriptionSpec] = {}
        for key, value in declared.items():
            spec = _as_spec(value)
            channel = key if isinstance(key, str) else key[0]
            wanted[(channel, spec.kind)] = spec
        table = subscriptions
        now = self.now()
        channels = sorted({channel for channel, _ in wanted})
        with self._write() as connection:
            before = {
                (row.channel_id, Kind(row.kind)): row
                for row in connection.execute(
                    select(table).where(
                        table.c.team_id == self.team,
                        (table.c.source == "schedule_file") | table.c.channel_id.in_(channels),
                    )
                )
            }
            added: list[str] = []
            updated: list[str] = []
            for (channel_id, kind), spec in sorted(wanted.items()):
                stmt = self._insert(table).values(
                    self._row(channel_id, spec, None, "schedule_file", now)
                )
                fields = ("post_time", "timezone", "days", "tags", "source", "created_by")
                stmt = stmt.on_conflict_do_update(
                    index_elements=[table.c.team_id, table.c.channel_id, table.c.kind],
                    set_={name: stmt.excluded[name] for name in (*fields, "updated_at")},
                    # Only rows that really change, so updated_at tells when they did.
                    where=(table.c.source != "schedule_file")
                    | (table.c.post_time != stmt.excluded.post_time)
                    | (table.c.timezone != stmt.excluded.timezone)
                    | (table.c.days != stmt.excluded.days)
                    | (table.c.tags != stmt.excluded.tags),
                )
                if changed(connection, stmt, table):
                    (updated if (channel_id, kind) in before else added).append(channel_id)
            gone = sorted(
                key
                for key, row in before.items()
                if row.source == "schedule_file" and key not in wanted
            )
            for channel_id, kind in gone:
                connection.execute(
                    delete(table).where(
                        table.c.team_id == self.team,
                        table.c.channel_id == channel_id,
                        table.c.kind == kind.value,
                    )
                )
        removed = tuple(dict.fromkeys(channel for channel, _ in gone))
        return SyncResult(tuple(dict.fromkeys(added)), tuple(dict.fromkeys(updated)), removed)

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
                    .where(table.c.team_id == self.team, table.c.channel_id == channel_id)
                    .values(paused=paused, paused_reason=reason, updated_at=self.now())
                ).rowcount
                > 0
            )

    def teams(self) -> list[tuple[str, str | None]]:
        """Every team (with its org) that has a subscription, whichever team this store's:
        the team with the most subscriptions first (at its workspace's rate it takes the
        longest to post to), then by id."""
        count = func.count()
        query = (
            select(subscriptions.c.team_id, subscriptions.c.enterprise_id)
            .group_by(subscriptions.c.team_id, subscriptions.c.enterprise_id)
            .order_by(count.desc(), subscriptions.c.team_id)
        )
        with self._read() as connection:
            return [(row.team_id, row.enterprise_id) for row in connection.execute(query)]

    def _row(
        self,
        channel_id: str,
        spec: SubscriptionSpec,
        created_by: str | None,
        source: str,
        now: dt.datetime,
    ) -> dict[str, Any]:
        row = _subscription_row(channel_id, spec, created_by, source, now)
        return {**row, "team_id": self.team, "enterprise_id": self.enterprise}

    def _subscription(
        self, connection: Connection, channel_id: str, kind: Kind = Kind.DAILY
    ) -> Subscription | None:
        row = (
            connection.execute(
                select(subscriptions).where(
                    subscriptions.c.team_id == self.team,
                    subscriptions.c.channel_id == channel_id,
                    subscriptions.c.kind == Kind(kind).value,
                )
            )
            .mappings()
            .first()
        )
        return Subscription.from_row(row) if row else None


def _as_spec(value: Schedule | SubscriptionSpec) -> SubscriptionSpec:
    return value if isinstance(value, SubscriptionSpec) else SubscriptionSpec(Kind.DAILY, value)


def _subscription_row(
    channel_id: str, spec: SubscriptionSpec, created_by: str | None, source: str, now: dt.datetime
) -> dict[str, Any]:
    """A new, active subscription row, whether it comes from Slack or schedule.yml."""
    schedule = spec.schedule
    return {
        "channel_id": channel_id,
        "kind": spec.kind.value,
        "tags": spec.tags_text,
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
