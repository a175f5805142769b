"""One table for everything done once, keyed by purpose: handled_once.

Revision ID: 0005 (revises 0004), 2026-12-06.

Its rows so far (events, shares) are kept a day after their claim, as before, and count
as done. The related-briefs threads (related_threads) and the Explain terms replies
(explained_messages) move in as "related:<channel>:<ts>" and "explain:<channel>:<ts>",
kept for good, done with their reply's ts (or, where none was recorded, done without
one, as they were), and their tables go.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import sqlalchemy as sa
from alembic import op

from bot.store.migrations.columns import ident, moment

revision, down_revision = "0005", "0004"

KEPT = dt.timedelta(days=1)
MOVED = (
    ("related_threads", "related", "parent_ts"),
    ("explained_messages", "explain", "message_ts"),
)


def upgrade() -> None:
    bind = op.get_bind()
    rebuild: Literal["always", "auto"] = "always" if bind.dialect.name == "sqlite" else "auto"
    with op.batch_alter_table("handled_once", recreate=rebuild) as table:
        table.add_column(
            sa.Column("state", sa.String(16), nullable=False, server_default="claimed")
        )
        table.add_column(ident("reply_ts", nullable=True))
        table.add_column(moment("forget_after", nullable=True))
        table.drop_index("ix_handled_once_claimed_at")
        table.create_index("ix_handled_once_forget_after", ["forget_after"])
        table.create_check_constraint("state", "state IN ('claimed', 'in_doubt', 'done')")

    claims = sa.table(
        "handled_once",
        sa.column("key", sa.String),
        sa.column("claimed_at", sa.DateTime(timezone=True)),
        sa.column("state", sa.String),
        sa.column("forget_after", sa.DateTime(timezone=True)),
    )
    for key, claimed_at in bind.execute(sa.select(claims.c.key, claims.c.claimed_at)).all():
        # Every claim so far was done. In Python: date arithmetic in SQL differs between
        # SQLite and PostgreSQL.
        done = claims.update().where(claims.c.key == key)
        bind.execute(done.values(state="done", forget_after=claimed_at + KEPT))

    for old, purpose, ts in MOVED:
        op.execute(
            f"INSERT INTO handled_once (key, claimed_at, state, reply_ts, forget_after)"
            f" SELECT '{purpose}:' || channel_id || ':' || {ts}, created_at, 'done', reply_ts,"
            f" NULL FROM {old}"
        )
        op.drop_table(old)


def downgrade() -> None:
    raise NotImplementedError("briefbot migrates forward only; restore a backup to go back.")
