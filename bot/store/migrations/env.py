"""Alembic environment: runs migrations on the connection `bot.store.migrate` hands over.

briefbot runs Alembic in code (there is no alembic.ini at runtime). When a developer
runs the `alembic` command instead, the database comes from DATABASE_URL.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection

from bot.store.engine import make_engine
from bot.store.tables import metadata


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds tables for it instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run_on(connection)
        return
    engine = make_engine(os.environ.get("DATABASE_URL", "sqlite:///briefbot.db"))
    try:
        with engine.begin() as connection:
            run_on(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("briefbot migrations run online only: set DATABASE_URL and upgrade.")
run()
