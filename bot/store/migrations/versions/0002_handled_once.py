"""handled_once: what Slack may deliver twice (an event retried, a button clicked twice)
is claimed here once.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.store.migrations.columns import moment

revision, down_revision = "0002", "0001"


def upgrade() -> None:
    op.create_table(
        "handled_once",
        sa.Column("key", sa.String(255), nullable=False),
        moment("claimed_at"),
        sa.PrimaryKeyConstraint("key", name="pk_handled_once"),
    )
    op.create_index("ix_handled_once_claimed_at", "handled_once", ["claimed_at"])


def downgrade() -> None:
    op.drop_table("handled_once")
