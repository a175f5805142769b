"""The store: every read and write the bot makes, as small methods over one Engine.

Where two processes may race (two replicas sweeping, two clicks on one button), the
database decides: a row is inserted with `INSERT … ON CONFLICT DO NOTHING` and only
the caller whose insert took effect goes on; everyone else reads what the winner wrote.
State changes are compare-and-set updates (`… WHERE state IN (…)`) for the same reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import socket
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from types import MappingProxyType
from typing import Any

from sqlalchemy import Connection, Engine, Table, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.content.model import normalize_key
from bot.daily.schedule import Schedule
from bot.store.engine import READ_ONLY, StoreError
from bot.store.records import (
    IN_FLIGHT,
    Counted,
    DeclaredChannelError,
    Delivery,
    DeliveryState,
    FeaturedPick,
    LookupReport,
    Subscription,
    SyncResult,
)
from bot.store.tables import (
    ID,
    LOOKUP_KINDS,
    MESSAGE_KINDS,
    ONCE_KEY,
    QUERY,
    deliveries,
    featured_picks,
    handled_once,
    lookups,
    posted_messages,
    related_threads,
    subscriptions,
)

MAX_ERROR = 2000
ONCE_KEEP = dt.timedelta(days=1)
ChooseFeatured = Callable[[Mapping[dt.date, str]], tuple[str, str]]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def worker_id() -> str:
    """A name for this process that no other process, here or on another host, shares."""
    suffix = f":{os.getpid()}:{uuid.uuid4().hex[:8]}"
    return socket.gethostname()[: ID - len(suffix)] + suffix


class Store:
    """Subscriptions, featured picks, the delivery ledger, posted messages and lookups.

    Thread-safe: each method uses its own connection from the engine's pool. `clock`
    gives the current time for timestamps (aware, UTC); tests pass their own.
    """

    def __init__(self, engine: Engine, *, clock: Callable[[], dt.datetime] = utc_now) -> None:
        dialect = engine.dialect.name
        if dialect == "postgresql":
            self._insert: Callable[[Table], Any] = postgresql.insert
        elif dialect == "sqlite":
            self._insert = sqlite.insert
        else:
            raise StoreError(f"briefbot supports SQLite and PostgreSQL, not {dialect}.")
        self.engine = engine
        self._clock = clock

    def now(self) -> dt.datetime:
        return self._clock()

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            yield connection.execution_options(**{READ_ONLY: True})

    def _write(self) -> Any:
        return self.engine.begin()

    # --- subscriptions ---------------------------------------------------------------

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
            if not _changed(connection, stmt, table):
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
            added, updated = [], []
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
                if _changed(connection, stmt, table):
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
        return self._set_paused(channel_id, True, reason[:MAX_ERROR])

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

    # --- featured pick ---------------------------------------------------------------

    def featured_for(self, day: dt.date, choose: ChooseFeatured) -> str:
        """The brief id featured on `day`, choosing and recording it if nobody has yet.

        `choose(history)` gets every recorded pick (date -> brief id) and returns
        (brief id, content version). When processes race, the first recorded pick wins
        and every caller returns it.
        """
        pick = self.featured_pick(day)
        if pick is not None:
            return pick.brief_id
        brief_id, version = choose(MappingProxyType(self.featured_history()))
        with self._write() as connection:
            connection.execute(
                self._insert(featured_picks)
                .values(day=day, brief_id=brief_id, content_version=version, picked_at=self.now())
                .on_conflict_do_nothing(index_elements=[featured_picks.c.day])
            )
            return connection.execute(
                select(featured_picks.c.brief_id).where(featured_picks.c.day == day)
            ).scalar_one()

    def featured_pick(self, day: dt.date) -> FeaturedPick | None:
        with self._read() as connection:
            row = (
                connection.execute(select(featured_picks).where(featured_picks.c.day == day))
                .mappings()
                .first()
            )
        return FeaturedPick.from_row(row) if row else None

    def featured_history(self) -> dict[dt.date, str]:
        """Every recorded pick, date -> brief id, oldest first."""
        query = select(featured_picks.c.day, featured_picks.c.brief_id).order_by(
            featured_picks.c.day
        )
        with self._read() as connection:
            return {row.day: row.brief_id for row in connection.execute(query)}

    # --- delivery ledger -------------------------------------------------------------

    def claim(
        self, channel_id: str, local_date: dt.date, brief_id: str, version: str, worker: str
    ) -> bool:
        """Claim the post for (channel, local date); True only for the one caller that did."""
        now = self.now()
        stmt = (
            self._insert(deliveries)
            .values(
                channel_id=channel_id,
                local_date=local_date,
                state=DeliveryState.CLAIMED.value,
                brief_id=brief_id,
                content_version=version,
                claimed_by=worker,
                claimed_at=now,
                updated_at=now,
                attempts=0,
            )
            .on_conflict_do_nothing(
                index_elements=[deliveries.c.channel_id, deliveries.c.local_date]
            )
        )
        with self._write() as connection:
            return _changed(connection, stmt, deliveries)

    def mark_posting(
        self, channel_id: str, local_date: dt.date, *, worker: str | None = None
    ) -> bool:
        """claimed -> posting, just before the request goes out; counts an attempt."""
        return self._move(
            channel_id,
            local_date,
            DeliveryState.POSTING,
            (DeliveryState.CLAIMED,),
            worker,
            attempts=deliveries.c.attempts + 1,
        )

    def mark_posted(
        self, channel_id: str, local_date: dt.date, ts: str, *, worker: str | None = None
    ) -> bool:
        """-> posted with the message ts; also records the message as a daily post.

        Allowed from claimed, posting, and unknown (a reconciled post).
        """
        states = (*IN_FLIGHT, DeliveryState.UNKNOWN)
        with self._write() as connection:
            moved = self._move_in(
                connection,
                channel_id,
                local_date,
                DeliveryState.POSTED,
                states,
                worker,
                message_ts=ts,
                error=None,
            )
            if moved:
                brief_id = connection.execute(
                    select(deliveries.c.brief_id).where(
                        deliveries.c.channel_id == channel_id,
                        deliveries.c.local_date == local_date,
                    )
                ).scalar_one()
                self._record_post(connection, channel_id, ts, brief_id, "daily")
            return moved

    def mark_failed(
        self, channel_id: str, local_date: dt.date, error: str, *, worker: str | None = None
    ) -> bool:
        """claimed|posting -> failed: Slack answered with an error, so nothing was posted."""
        return self._move(
            channel_id, local_date, DeliveryState.FAILED, IN_FLIGHT, worker, error=_cap(error)
        )

    def mark_unknown(
        self, channel_id: str, local_date: dt.date, error: str, *, worker: str | None = None
    ) -> bool:
        """claimed|posting -> unknown: the request may have posted; report, never re-post."""
        return self._move(
            channel_id, local_date, DeliveryState.UNKNOWN, IN_FLIGHT, worker, error=_cap(error)
        )

    def mark_skipped(
        self, channel_id: str, local_date: dt.date, reason: str, *, worker: str | None = None
    ) -> bool:
        """claimed -> skipped: deliberately not posted (e.g. missed by too long)."""
        return self._move(
            channel_id,
            local_date,
            DeliveryState.SKIPPED,
            (DeliveryState.CLAIMED,),
            worker,
            error=_cap(reason),
        )

    def retry_failed(self, channel_id: str, local_date: dt.date, worker: str) -> bool:
        """failed -> claimed by `worker`, to try again; True for the one caller that did."""
        now = self.now()
        return self._move(
            channel_id,
            local_date,
            DeliveryState.CLAIMED,
            (DeliveryState.FAILED,),
            None,
            claimed_by=worker,
            claimed_at=now,
        )

    def take_over(
        self, channel_id: str, local_date: dt.date, worker: str, *, from_worker: str
    ) -> bool:
        """Adopt a stale claimed|posting row from a process that died, keeping its state.

        Compare-and-set on the old owner, so of several processes reconciling the same
        row, one wins. A claimed row was never sent; a posting row may have been, so
        the new owner must reconcile it with Slack before posting again.

        `claimed_at` is kept: it is older than any send of this claim, so a search of
        the channel's history from it finds the post however many times the row was
        adopted (an adopter whose lookup failed, or that died, leaves it as it was).
        """
        with self._write() as connection:
            result = connection.execute(
                update(deliveries)
                .where(
                    deliveries.c.channel_id == channel_id,
                    deliveries.c.local_date == local_date,
                    deliveries.c.state.in_([s.value for s in IN_FLIGHT]),
                    deliveries.c.claimed_by == from_worker,
                )
                .values(claimed_by=worker, updated_at=self.now())
            )
            return result.rowcount == 1

    def delivery(self, channel_id: str, local_date: dt.date) -> Delivery | None:
        with self._read() as connection:
            row = (
                connection.execute(
                    select(deliveries).where(
                        deliveries.c.channel_id == channel_id,
                        deliveries.c.local_date == local_date,
                    )
                )
                .mappings()
                .first()
            )
        return Delivery.from_row(row) if row else None

    def deliveries(
        self,
        *,
        state: str | Iterable[str] | None = None,
        since: dt.date | None = None,
        channel_id: str | None = None,
    ) -> list[Delivery]:
        """Ledger rows, oldest date first; filtered by state(s), first date, channel."""
        query = select(deliveries).order_by(deliveries.c.local_date, deliveries.c.channel_id)
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
        """The newest local date in the ledger for a channel, in any state."""
        query = select(func.max(deliveries.c.local_date)).where(
            deliveries.c.channel_id == channel_id
        )
        with self._read() as connection:
            return connection.execute(query).scalar()

    def stale_claims(self, older_than: dt.timedelta) -> list[Delivery]:
        """claimed|posting rows untouched for `older_than`: their process likely died.

        Reconcile these (check Slack for the post) rather than posting them again.
        """
        cutoff = self.now() - older_than
        query = (
            select(deliveries)
            .where(
                deliveries.c.state.in_([s.value for s in IN_FLIGHT]),
                deliveries.c.updated_at < cutoff,
            )
            .order_by(deliveries.c.local_date, deliveries.c.channel_id)
        )
        with self._read() as connection:
            return [Delivery.from_row(row) for row in connection.execute(query).mappings()]

    def _move(
        self,
        channel_id: str,
        local_date: dt.date,
        to: DeliveryState,
        from_states: Iterable[DeliveryState],
        worker: str | None,
        **values: Any,
    ) -> bool:
        with self._write() as connection:
            return self._move_in(
                connection, channel_id, local_date, to, from_states, worker, **values
            )

    def _move_in(
        self,
        connection: Connection,
        channel_id: str,
        local_date: dt.date,
        to: DeliveryState,
        from_states: Iterable[DeliveryState],
        worker: str | None,
        **values: Any,
    ) -> bool:
        """Compare-and-set the state; True if this call made the change."""
        conditions = [
            deliveries.c.channel_id == channel_id,
            deliveries.c.local_date == local_date,
            deliveries.c.state.in_([s.value for s in from_states]),
        ]
        if worker is not None:
            conditions.append(deliveries.c.claimed_by == worker)
        result = connection.execute(
            update(deliveries)
            .where(*conditions)
            .values(state=to.value, updated_at=self.now(), **values)
        )
        return result.rowcount == 1

    # --- posted messages and related-brief threads -----------------------------------

    def record_post(self, channel_id: str, ts: str, brief_id: str, kind: str) -> None:
        """Remember which brief the message (channel, ts) shows; kind "daily" or "shared"."""
        if kind not in MESSAGE_KINDS:
            raise ValueError(f"kind must be one of {MESSAGE_KINDS}, not {kind!r}.")
        with self._write() as connection:
            self._record_post(connection, channel_id, ts, brief_id, kind)

    def _record_post(
        self, connection: Connection, channel_id: str, ts: str, brief_id: str, kind: str
    ) -> None:
        connection.execute(
            self._insert(posted_messages)
            .values(
                channel_id=channel_id, ts=ts, brief_id=brief_id, kind=kind, posted_at=self.now()
            )
            .on_conflict_do_nothing(
                index_elements=[posted_messages.c.channel_id, posted_messages.c.ts]
            )
        )

    def brief_for_message(self, channel_id: str, ts: str) -> str | None:
        """The brief id a message the bot posted shows, or None if it is not one of ours."""
        query = select(posted_messages.c.brief_id).where(
            posted_messages.c.channel_id == channel_id, posted_messages.c.ts == ts
        )
        with self._read() as connection:
            return connection.execute(query).scalar()

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
            return _changed(connection, stmt, related_threads)

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
            return connection.execute(query).scalar()

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

    # --- what Slack may deliver twice ---------------------------------------------

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
            return _changed(connection, stmt, table)

    def release_once(self, key: str) -> None:
        """Give up a claim whose work certainly did not happen, so a new delivery can do it."""
        with self._write() as connection:
            connection.execute(delete(handled_once).where(handled_once.c.key == _once_key(key)))

    # --- lookups ---------------------------------------------------------------------

    def record_lookup(
        self,
        kind: str,
        query: str,
        found: bool,
        result: str | None,
        *,
        user_id: str | None = None,
    ) -> None:
        """Count one /brief ("brief") or /define ("define") lookup.

        Only the query itself is kept (whitespace-collapsed, at most 200 characters);
        `user_id` stays NULL unless a caller has a reason to pass it.
        """
        if kind not in LOOKUP_KINDS:
            raise ValueError(f"kind must be one of {LOOKUP_KINDS}, not {kind!r}.")
        # PostgreSQL refuses NUL in text; the query is counted without it.
        text = " ".join(query.replace("\x00", "").split())[:QUERY]
        if not text:
            return
        with self._write() as connection:
            connection.execute(
                lookups.insert().values(
                    at=self.now(),
                    kind=kind,
                    query=text,
                    found=bool(found),
                    result=result[:QUERY] if result else None,
                    user_id=user_id,
                )
            )

    def lookup_report(
        self, days: float, now: dt.datetime | None = None, *, limit: int = 10
    ) -> LookupReport:
        """The most requested briefs and terms, and what was not found, over `days` days."""
        if days <= 0:
            raise ValueError(f"The report covers a positive number of days, not {days}.")
        until = now or self.now()
        since = until - dt.timedelta(days=days)
        window = (lookups.c.at > since, lookups.c.at <= until)
        with self._read() as connection:
            totals = dict(
                connection.execute(
                    select(lookups.c.kind, func.count()).where(*window).group_by(lookups.c.kind)
                ).all()
            )

            def top_found(kind: str) -> tuple[Counted, ...]:
                count = func.count().label("n")
                rows = connection.execute(
                    select(lookups.c.result, count)
                    .where(*window, lookups.c.kind == kind, lookups.c.found.is_(True))
                    .where(lookups.c.result.is_not(None))
                    .group_by(lookups.c.result)
                    .order_by(count.desc(), lookups.c.result)
                    .limit(limit)
                )
                return tuple(Counted(row.result, row.n) for row in rows)

            def missed(kind: str) -> tuple[Counted, ...]:
                rows = connection.execute(
                    select(lookups.c.query).where(
                        *window, lookups.c.kind == kind, lookups.c.found.is_(False)
                    )
                )
                return _group_queries((row.query for row in rows), limit)

            return LookupReport(
                since=since,
                until=until,
                brief_lookups=totals.get("brief", 0),
                define_lookups=totals.get("define", 0),
                top_briefs=top_found("brief"),
                top_terms=top_found("define"),
                missed_queries=missed("brief"),
                missed_terms=missed("define"),
            )


def _once_key(key: str) -> str:
    """The key as stored; one longer than the column fits is stored as its digest."""
    if len(key) <= ONCE_KEY:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _changed(connection: Connection, stmt: Any, table: Table) -> bool:
    """Run an INSERT … ON CONFLICT; True if it inserted or updated a row.

    RETURNING says so on every backend; an INSERT's rowcount is not reliable everywhere.
    """
    key = next(iter(table.primary_key.columns))
    return connection.execute(stmt.returning(key)).first() is not None


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


def _group_queries(queries: Iterable[str], limit: int) -> tuple[Counted, ...]:
    """Count queries that differ only in case, accents or punctuation as one, shown in
    their most frequent spelling."""
    spellings: dict[str, Counter[str]] = {}
    for query in queries:
        key = normalize_key(query) or query
        spellings.setdefault(key, Counter())[query] += 1
    counted = [
        Counted(min(forms.items(), key=lambda item: (-item[1], item[0]))[0], forms.total())
        for forms in spellings.values()
    ]
    counted.sort(key=lambda item: (-item.count, item.name.casefold()))
    return tuple(counted[:limit])


def _cap(text: str) -> str:
    return text[:MAX_ERROR]
