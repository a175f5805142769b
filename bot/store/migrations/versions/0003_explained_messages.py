"""explained_messages: the one "Explain terms" reply posted in each message's thread."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.store.migrations.columns import ident, moment

revision, down_revision = "0003", "0002"


def upgrade() -> None:
    op.create_table(
        "explained_messages",
        ident("channel_id"),
        ident("message_ts"),
        ident("reply_ts", nullable=True),
        moment("created_at"),
        sa.PrimaryKeyConstraint("channel_id", "message_ts", name="pk_explained_messages"),
    )


def downgrade() -> None:
    op.drop_table("explained_messages")
