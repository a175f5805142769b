"""What every part of the store shares: the engine, the clock, and how to read and write.

Where two processes may race (two replicas sweeping, two clicks on one button), the
database decides: a row is inserted with `INSERT … ON CONFLICT DO NOTHING` and only
the caller whose insert took effect goes on; everyone else reads what the winner wrote.
State changes are compare-and-set updates (`… WHERE state IN (…)`) for the same reason.
"""

from __future__ import annotations

import copy
import datetime as dt
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, Self

from sqlalchemy import Connection, Engine, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from bot.basics import utc_now
from bot.store.engine import READ_ONLY, StoreError
from bot.store.tables import NO_TEAM

MAX_ERROR = 2000
"""Characters of an error or reason kept in a row."""


class DatabaseFailed(SQLAlchemyError):
    """Raised instead of using a database that already failed during this piece of work."""


def _not_failed() -> str | None:
    return None


class StoreBase:
    """One Engine, a clock, and one connection per read or write transaction.

    Thread-safe: each method uses its own connection from the engine's pool. On
    SQLite, write transactions of this process take turns on a lock: SQLite has one
    writer at a time, and threads meeting in its busy handler would wait in growing
    sleeps, while queueing on a lock hands the database over at once. PostgreSQL takes
    concurrent writers, so its writes do not queue.
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
        # Reentrant, so a write that calls another store method cannot deadlock itself.
        self._one_writer: AbstractContextManager[Any] = (
            threading.RLock() if dialect == "sqlite" else nullcontext()
        )
        self._failed: Callable[[], str | None] = _not_failed
        self.team = NO_TEAM
        """The team (or org-wide install's org) every team's row read or written belongs to."""
        self.enterprise: str | None = None
        """The team's Enterprise Grid org, if any (kept with its subscriptions)."""

    def for_team(self, team: str, enterprise: str | None = None) -> Self:
        """This store, reading and writing only `team`'s subscriptions, ledger rows,
        posted messages, claims and lookups (the content's records are every team's)."""
        view = copy.copy(self)  # the same engine, clock and writers' turn
        view.team, view.enterprise = team, enterprise
        return view

    def refusing_after(self, failed: Callable[[], str | None]) -> Self:
        """This store, refusing every read and write once `failed()` says why the database
        failed (e.g. for the rest of a daily sweep), by raising DatabaseFailed.

        The check comes after a write's turn, so threads queued behind a write that
        fails learn of it, instead of each waiting out the busy timeout in turn.
        """
        view = copy.copy(self)  # the same engine, clock and writers' turn
        view._failed = failed
        return view

    def _refuse_if_failed(self) -> None:
        reason = self._failed()
        if reason is not None:
            raise DatabaseFailed(reason)

    def now(self) -> dt.datetime:
        return self._clock()

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        self._refuse_if_failed()
        with self.engine.connect() as connection:
            yield connection.execution_options(**{READ_ONLY: True})

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One write transaction: committed when the block ends, rolled back on an error."""
        with self._one_writer:
            self._refuse_if_failed()
            with self.engine.begin() as connection:
                yield connection


def changed(connection: Connection, stmt: Any, table: Table) -> bool:
    """Run an INSERT … ON CONFLICT; True if it inserted or updated a row.

    RETURNING says so on every backend; an INSERT's rowcount is not reliable everywhere.
    """
    key = next(iter(table.primary_key.columns))
    return connection.execute(stmt.returning(key)).first() is not None


def cap(text: str) -> str:
    """`text` cut to what a row keeps of an error or reason."""
    return text[:MAX_ERROR]
