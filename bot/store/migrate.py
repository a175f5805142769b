"""Upgrading the schema in place with Alembic, in code: no alembic.ini needed at runtime.

Every process calls `upgrade` at start-up. When several start at once, one migrates
and the others wait for it, then find nothing left to do: PostgreSQL serialises them
with an advisory lock, SQLite with the write lock `BEGIN IMMEDIATE` takes.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from bot.store.engine import READ_ONLY

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Any constant works as long as nothing else in the database uses it: "briefbot".
_PG_LOCK_KEY = int.from_bytes(b"briefbot", "big") & 0x7FFF_FFFF_FFFF_FFFF


def alembic_config() -> Config:
    """An Alembic Config pointing at the migrations shipped inside this package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    """The newest revision the code knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migration revisions found"
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None for a database never migrated."""
    with engine.connect() as connection:
        connection.execution_options(**{READ_ONLY: True})
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to `revision` (default: the newest), keeping all data.

    Safe to call on every start and from several processes at once.
    """
    config = alembic_config()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Held until this transaction ends, so a second process waits here and then
            # sees the version the first one committed.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
