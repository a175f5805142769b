"""Real databases for tests: a SQLite file per test, and PostgreSQL when it is reachable.

PostgreSQL comes from BRIEFBOT_TEST_POSTGRES_URL (e.g.
postgresql+psycopg://postgres@127.0.0.1:5432/test). Each test session creates its own
database and drops it at the end, and each test gets a fresh schema in it, so parallel
runs (pytest -n, two checkouts) never see each other's tables. Without the variable, or
with no server answering, PostgreSQL tests skip with the reason; with
BRIEFBOT_REQUIRE_POSTGRES=1 (as in CI) they fail instead.

Use from a test module with `pytest_plugins = ("tests.support.databases",)`; the
fixtures are `database_url` (every backend, empty), `migrated_url` (every backend, at
the newest schema), `sqlite_db_url` (empty), `migrated_sqlite_url`, `postgres_url`,
`engine` (migrated) and `store`.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.pool import NullPool

from bot.store import Store, make_engine, sqlite_url, upgrade
from tests.conftest import migrated_copy

POSTGRES_ENV = "BRIEFBOT_TEST_POSTGRES_URL"
REQUIRE_ENV = "BRIEFBOT_REQUIRE_POSTGRES"
BACKENDS = ("sqlite", "postgresql")


def postgres_required() -> bool:
    return os.environ.get(REQUIRE_ENV, "").strip() == "1"


def _unavailable(reason: str) -> None:
    if postgres_required():
        pytest.fail(f"{reason} ({REQUIRE_ENV}=1, so this is an error)", pytrace=False)
    pytest.skip(reason)


def _admin_engine(url: URL) -> Engine:
    # AUTOCOMMIT: CREATE/DROP DATABASE cannot run inside a transaction.
    return create_engine(
        url, isolation_level="AUTOCOMMIT", poolclass=NullPool, connect_args={"connect_timeout": 5}
    )


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[URL]:
    """A PostgreSQL database created for this test session and dropped after it."""
    raw = os.environ.get(POSTGRES_ENV, "").strip()
    if not raw:
        _unavailable(f"{POSTGRES_ENV} is not set; PostgreSQL tests need a server")
    try:
        url = make_url(raw)
    except ArgumentError:
        _unavailable(f"{POSTGRES_ENV}={raw!r} is not a database URL")
        raise
    shown = url.render_as_string(hide_password=True)
    name = f"briefbot_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = _admin_engine(url)
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except DBAPIError as error:
        admin.dispose()
        first_line = str(error.orig or error).strip().splitlines()[0]
        _unavailable(f"PostgreSQL at {shown} is not usable: {first_line}")
    try:
        yield url.set(database=name)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def postgres_url(postgres_database: URL) -> Iterator[str]:
    """The URL of a fresh, empty schema, first on the search path of every connection."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine(postgres_database)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = postgres_database.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture
def sqlite_db_url(tmp_path: os.PathLike[str]) -> str:
    """The URL of a new SQLite file in the test's temporary folder."""
    return sqlite_url(os.path.join(tmp_path, "briefbot.db"))


@pytest.fixture(params=[*BACKENDS[:1], pytest.param(BACKENDS[1], marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """An empty database on each backend in turn: SQLite, then PostgreSQL."""
    fixture = "sqlite_db_url" if request.param == "sqlite" else "postgres_url"
    return request.getfixturevalue(fixture)


@pytest.fixture
def migrated_sqlite_url(sqlite_db_url: str, migrated_sqlite: Path) -> str:
    """`sqlite_db_url`, its file a copy of the session's migrated one (`migrated_sqlite`)."""
    return migrated_copy(migrated_sqlite, Path(make_url(sqlite_db_url).database or ""))


@pytest.fixture
def migrated_url(database_url: str, request: pytest.FixtureRequest) -> str:
    """`database_url` at the newest schema: on SQLite `migrated_sqlite_url`, on
    PostgreSQL its fresh schema, migrated now."""
    if make_url(database_url).get_backend_name() == "sqlite":
        url: str = request.getfixturevalue("migrated_sqlite_url")
        return url
    engine = make_engine(database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    return database_url


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    """An engine on a database at the newest schema, on each backend (`migrated_url`)."""
    engine = make_engine(migrated_url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def store(engine: Engine) -> Store:
    return Store(engine)
