"""Opening the database: an embedded SQLite file by default, PostgreSQL for several replicas.

SQLite is tuned for several processes sharing one file: WAL (readers never block the
writer), a generous busy timeout (writers queue instead of failing), foreign keys on,
and write transactions that take the write lock up front (`BEGIN IMMEDIATE`) so two
processes can never both read, then both try to write, and deadlock.
"""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.pool import StaticPool

DEFAULT_SQLITE_PATH = Path("briefbot.db")
SQLITE_BUSY_TIMEOUT_MS = 30_000
"""How long a SQLite writer waits for another process's write lock, unless DATABASE_URL
sets its own in seconds (`sqlite:///briefbot.db?timeout=60`, as Python's sqlite3 takes it)."""
PG_CONNECT_TIMEOUT_S = 10
"""Seconds to wait for a PostgreSQL server to let us in (libpq's `connect_timeout`)."""
PG_STATEMENT_TIMEOUT_MS = 30_000
"""Longest a PostgreSQL statement may run (the server's `statement_timeout`); briefbot's
are all small, so one that takes longer waits on a lock or a server in trouble."""
SUPPORTED_BACKENDS = ("sqlite", "postgresql")

# Connection option that makes a transaction a reader: plain BEGIN on SQLite, so it
# neither waits for nor blocks the writer.
READ_ONLY = "briefbot_read_only"


class StoreError(Exception):
    """The database cannot be used as configured; the message says what to change."""


def sqlite_url(path: str | Path = DEFAULT_SQLITE_PATH) -> str:
    """The URL of an embedded SQLite database in the file `path`."""
    return f"sqlite:///{Path(path).expanduser().resolve()}"


def make_engine(url: str | URL, *, check: bool = True) -> Engine:
    """An Engine for `url` (`sqlite:///path` or `postgresql+psycopg://…`).

    With `check`, connects once so that a wrong URL, a missing driver or an unreachable
    server fails now, with a StoreError that says which, rather than at the first query.
    """
    parsed = _parse(url)
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise StoreError(
            f"DATABASE_URL uses {backend!r}; briefbot supports sqlite:///path/to/file.db "
            "and postgresql+psycopg://user:password@host:5432/dbname."
        )
    if backend == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise StoreError(
            "DATABASE_URL must name a SQLite file (sqlite:///briefbot.db): an in-memory "
            "database would forget every schedule and delivery on restart."
        )
    # Read now, so a wrong ?timeout= is said at start rather than at the first connection.
    busy_ms = sqlite_busy_timeout_ms(parsed) if backend == "sqlite" else 0
    options: dict[str, Any] = {}
    if backend == "postgresql":
        # A replica may outlive a server restart; test pooled connections before use.
        options["pool_pre_ping"] = True
        options["connect_args"] = _pg_timeouts(parsed)
    try:
        engine = create_engine(parsed, **options)
    except (NoSuchModuleError, ModuleNotFoundError) as error:
        raise StoreError(
            f"No database driver for {parsed.drivername!r} ({error}). For PostgreSQL use "
            "postgresql+psycopg://… and install it with: pip install 'briefbot[postgres]'."
        ) from error
    if backend == "sqlite":
        _tune_sqlite(engine, busy_ms)
    if check:
        check_connection(engine)
    return engine


def _pg_timeouts(url: URL) -> dict[str, Any]:
    """Connect and statement timeouts for PostgreSQL, unless DATABASE_URL sets its own
    (`?connect_timeout=5`, `?options=-c statement_timeout=60000`): without them a server
    that accepts connections and never answers would hang every process forever."""
    args: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        args["connect_timeout"] = PG_CONNECT_TIMEOUT_S
    options = url.query.get("options", "")
    options = " ".join(options) if isinstance(options, tuple) else options
    if "statement_timeout" not in options:
        args["options"] = f"{options} -c statement_timeout={PG_STATEMENT_TIMEOUT_MS}".strip()
    return args


def pg_timeouts(url: URL) -> tuple[str, str]:
    """The connect and statement timeouts in force for `url`, as people read them."""
    connect = url.query.get("connect_timeout")
    connect_text = f"{connect} s" if isinstance(connect, str) else f"{PG_CONNECT_TIMEOUT_S} s"
    options = url.query.get("options", "")
    options = " ".join(options) if isinstance(options, tuple) else options
    found = re.search(r"statement_timeout\s*=\s*(\S+)", options)
    statement = found[1] if found else str(PG_STATEMENT_TIMEOUT_MS)
    statement_text = f"{statement} ms" if statement.isdigit() else statement
    return connect_text, statement_text


def sqlite_busy_timeout_ms(url: URL) -> int:
    """The busy timeout in force for a SQLite `url`, in milliseconds."""
    raw = url.query.get("timeout")
    if raw is None:
        return SQLITE_BUSY_TIMEOUT_MS
    text = " ".join(raw) if isinstance(raw, tuple) else raw
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 3600:
        raise StoreError(
            f"DATABASE_URL sets timeout={text!r}; write the SQLite busy timeout in seconds, "
            "from 0.001 to 3600 (e.g. sqlite:///briefbot.db?timeout=30), or leave it out."
        )
    return max(1, round(seconds * 1000))


def describe_database_error(error: BaseException, url: URL) -> str:
    """One line for people: what went wrong with the database, naming a timeout that ran out.

    Knows PostgreSQL's and SQLite's timeouts; anything else is the driver's first line.
    """
    orig = getattr(error, "orig", None) or error
    text = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    connect, statement = pg_timeouts(url)
    if type(orig).__name__ == "ConnectionTimeout" or "connection timeout expired" in text:
        return (
            f"the server did not let briefbot in within the connect timeout ({connect}; "
            "connect_timeout in DATABASE_URL)"
        )
    if getattr(orig, "sqlstate", None) == "57014" and "statement timeout" in text:
        return (
            f"a statement did not finish within the statement timeout ({statement}; "
            "options=-c statement_timeout=… in DATABASE_URL): the database is overloaded "
            "or something holds a lock"
        )
    if url.get_backend_name() == "sqlite" and "database is locked" in text:
        busy = sqlite_busy_timeout_ms(url)
        return (
            f"the database stayed locked beyond the busy timeout ({busy} ms; "
            "timeout in DATABASE_URL)"
        )
    return text


def memory_engine() -> Engine:
    """An empty SQLite database in memory, one connection shared by all threads.

    Stands in, for a dry run, for a database that does not exist yet: nothing is written.
    """
    return create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )


def check_connection(engine: Engine) -> None:
    """Connect once; raise StoreError saying what is wrong if that fails."""
    where = engine.url.render_as_string(hide_password=True)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except DBAPIError as error:
        reason = describe_database_error(error, engine.url)
        hint = ""
        if engine.dialect.name == "sqlite":
            folder = Path(engine.url.database or "").parent
            if not folder.is_dir():
                hint = f" The folder {folder} does not exist; create it or change DATABASE_URL."
        else:
            hint = " Check that the server is running and that DATABASE_URL is right."
        raise StoreError(f"Cannot open the database {where}: {reason}.{hint}") from error


def _parse(url: str | URL) -> URL:
    try:
        return make_url(url)
    except ArgumentError as error:
        raise StoreError(
            f"DATABASE_URL {str(url)!r} is not a database URL; write e.g. "
            "sqlite:///briefbot.db or postgresql+psycopg://user@host:5432/briefbot."
        ) from error


def _tune_sqlite(engine: Engine, busy_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the sqlite3 module (which would BEGIN lazily,
        # only before writes) so that the "begin" hook below decides how each one starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
            _use_wal(cursor, busy_ms)
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _use_wal(cursor: Any, busy_ms: int) -> None:
    """Switch the file to WAL, waiting out other processes doing the same.

    WAL is stored in the file, so only the first connection to a new database switches
    it. That switch needs the file to itself and SQLite may answer "database is locked"
    at once, without its busy timeout, while another process opens or switches the same
    new file: several replicas starting together must retry rather than fail.
    """
    deadline = time.monotonic() + busy_ms / 1000
    delay = 0.01
    while True:
        try:
            if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
                return
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.5)
