"""explained_messages: the one "Explain terms" reply posted in each message's thread."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision, down_revision = "0003", "0002"


def upgrade() -> None:
    op.create_table(
        "explained_messages",
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("message_ts", sa.String(64), nullable=False),
        sa.Column("reply_ts", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel_id", "message_ts", name="pk_explained_messages"),
    )


def downgrade() -> None:
    op.drop_table("explained_messages")
