"""People who get briefs in their own DMs: their DM, their time zone and their snooze.

A person's subscriptions are ordinary `subscriptions` rows under their DM conversation's
id, so the sweep, the ledger and `/brief schedule` treat a DM as one more channel; this
part keeps what only a person has: the zone their Slack profile gives, and a snooze.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, delete, select, update

from bot.records import DeliveryKey, DeliveryKind, DeliveryState, Person
from bot.store.base import StoreBase, cap
from bot.store.tables import deliveries, people, subscriptions


class People(StoreBase):
    def enrol(self, user_id: str, dm_channel: str, timezone: str) -> Person:
        """Record (or refresh) a person and their DM, keeping any snooze they have."""
        now = self.now()
        stmt = self._insert(people).values(
            team_id=self.team,
            user_id=user_id,
            dm_channel=dm_channel,
            timezone=timezone,
            snoozed_from=None,
            snoozed_until=None,
            created_at=now,
            updated_at=now,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[people.c.team_id, people.c.user_id],
            set_={
                "dm_channel": stmt.excluded.dm_channel,
                "timezone": stmt.excluded.timezone,
                "updated_at": stmt.excluded.updated_at,
            },
        )
        with self._write() as connection:
            connection.execute(stmt)
            found = self._person(connection, user_id)
        assert found is not None
        return found

    def person(self, user_id: str) -> Person | None:
        with self._read() as connection:
            return self._person(connection, user_id)

    def person_by_dm(self, dm_channel: str) -> Person | None:
        query = select(people).where(
            people.c.team_id == self.team, people.c.dm_channel == dm_channel
        )
        with self._read() as connection:
            row = connection.execute(query).mappings().first()
        return Person.from_row(row) if row else None

    def people(self) -> list[Person]:
        """Everyone of the team who gets briefs in their DMs, by user id."""
        query = select(people).where(people.c.team_id == self.team).order_by(people.c.user_id)
        with self._read() as connection:
            return [Person.from_row(row) for row in connection.execute(query).mappings()]

    def move_person_zone(self, user_id: str, timezone: str) -> bool:
        """The person's Slack profile now says `timezone`: their subscriptions that followed
        the profile's zone follow it (a zone they typed themselves stays); False if the
        person is not known or nothing changed."""
        with self._write() as connection:
            person = self._person(connection, user_id)
            if person is None or person.timezone == timezone:
                return False
            now = self.now()
            connection.execute(
                update(subscriptions)
                .where(
                    subscriptions.c.team_id == self.team,
                    subscriptions.c.channel_id == person.dm_channel,
                    subscriptions.c.timezone == person.timezone,
                    subscriptions.c.source == "slack",
                )
                .values(timezone=timezone, updated_at=now)
            )
            self._set_person(connection, user_id, timezone=timezone, updated_at=now)
            return True

    def snooze(self, user_id: str, until: dt.datetime) -> Person | None:
        """Hold the person's deliveries until `until`. A snooze under way (or one whose
        catch-up digest has not gone out yet) is extended, so one digest covers it all."""
        now = self.now()
        with self._write() as connection:
            person = self._person(connection, user_id)
            if person is None:
                return None
            began = now
            if person.snoozed_from is not None and self._digest_pending(connection, person, now):
                began = person.snoozed_from
            self._set_person(
                connection, user_id, snoozed_from=began, snoozed_until=until, updated_at=now
            )
            return self._person(connection, user_id)

    def unsnooze(self, user_id: str) -> Person | None:
        """End the person's snooze now (its catch-up digest follows); None if not snoozed."""
        now = self.now()
        with self._write() as connection:
            person = self._person(connection, user_id)
            if person is None or not person.snoozed(now):
                return None
            self._set_person(connection, user_id, snoozed_until=now, updated_at=now)
            return self._person(connection, user_id)

    def forget_person(self, user_id: str, reason: str) -> bool:
        """The person left (or asked for nothing more): their DM subscriptions and their row
        go and their DM's ledger rows not yet sent close as skipped, in one transaction."""
        with self._write() as connection:
            person = self._person(connection, user_id)
            if person is None:
                return False
            connection.execute(
                delete(subscriptions).where(
                    subscriptions.c.team_id == self.team,
                    subscriptions.c.channel_id == person.dm_channel,
                )
            )
            pending = [DeliveryState.CLAIMED.value, DeliveryState.FAILED.value]
            connection.execute(
                update(deliveries)
                .where(
                    deliveries.c.team_id == self.team,
                    deliveries.c.channel_id == person.dm_channel,
                    deliveries.c.state.in_(pending),
                )
                .values(state=DeliveryState.SKIPPED.value, error=cap(reason), updated_at=self.now())
            )
            connection.execute(
                delete(people).where(people.c.team_id == self.team, people.c.user_id == user_id)
            )
            return True

    def _digest_pending(self, connection: Connection, person: Person, now: dt.datetime) -> bool:
        """Whether the person's last snooze is under way or its digest has not been settled."""
        if person.snoozed(now):
            return True
        assert person.snoozed_from is not None
        key = DeliveryKey.catch_up(person.dm_channel, person.snoozed_from)
        row = connection.execute(
            select(deliveries.c.state).where(
                deliveries.c.team_id == self.team,
                deliveries.c.channel_id == key.channel,
                deliveries.c.kind == DeliveryKind.CATCHUP.value,
                deliveries.c.slot == key.slot,
            )
        ).first()
        return row is None

    def _set_person(self, connection: Connection, user_id: str, **values: object) -> None:
        """Write `values` into this team's row of the person `user_id`."""
        connection.execute(
            update(people)
            .where(people.c.team_id == self.team, people.c.user_id == user_id)
            .values(**values)
        )

    def _person(self, connection: Connection, user_id: str) -> Person | None:
        row = (
            connection.execute(
                select(people).where(people.c.team_id == self.team, people.c.user_id == user_id)
            )
            .mappings()
            .first()
        )
        return Person.from_row(row) if row else None
