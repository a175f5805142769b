"""Initial schema: subscriptions, featured picks, delivery ledger, posted messages,
related-brief threads and lookups.

Revision ID: 0001
Revises:
Create Date: 2024-06-01

Written out in full rather than built from bot.store.tables, so that this revision
keeps creating exactly this schema however the tables change later.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision, down_revision = "0001", None


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("post_time", sa.String(5), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("days", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("paused", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("paused_reason", sa.Text(), nullable=True),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("updated_at", _when(), nullable=False),
        sa.PrimaryKeyConstraint("channel_id", name="pk_subscriptions"),
        sa.CheckConstraint("days IN ('weekdays', 'daily')", name="ck_subscriptions_days"),
        sa.CheckConstraint("source IN ('slack', 'schedule_file')", name="ck_subscriptions_source"),
    )
    op.create_table(
        "featured_picks",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("brief_id", sa.String(64), nullable=False),
        sa.Column("content_version", sa.String(64), nullable=False),
        sa.Column("picked_at", _when(), nullable=False),
        sa.PrimaryKeyConstraint("day", name="pk_featured_picks"),
    )
    op.create_table(
        "deliveries",
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("brief_id", sa.String(64), nullable=False),
        sa.Column("content_version", sa.String(64), nullable=False),
        sa.Column("message_ts", sa.String(64), nullable=True),
        sa.Column("claimed_by", sa.String(64), nullable=False),
        sa.Column("claimed_at", _when(), nullable=False),
        sa.Column("updated_at", _when(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint("channel_id", "local_date", name="pk_deliveries"),
        sa.CheckConstraint(
            "state IN ('claimed', 'posting', 'posted', 'failed', 'unknown', 'skipped')",
            name="ck_deliveries_state",
        ),
    )
    op.create_index("ix_deliveries_state_updated_at", "deliveries", ["state", "updated_at"])
    op.create_index("ix_deliveries_local_date", "deliveries", ["local_date"])
    op.create_table(
        "posted_messages",
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("ts", sa.String(64), nullable=False),
        sa.Column("brief_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("posted_at", _when(), nullable=False),
        sa.PrimaryKeyConstraint("channel_id", "ts", name="pk_posted_messages"),
        sa.CheckConstraint("kind IN ('daily', 'shared')", name="ck_posted_messages_kind"),
    )
    op.create_table(
        "related_threads",
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("parent_ts", sa.String(64), nullable=False),
        sa.Column("reply_ts", sa.String(64), nullable=True),
        sa.Column("created_at", _when(), nullable=False),
        sa.PrimaryKeyConstraint("channel_id", "parent_ts", name="pk_related_threads"),
    )
    op.create_table(
        "lookups",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", _when(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("query", sa.String(200), nullable=False),
        sa.Column("found", sa.Boolean(), nullable=False),
        sa.Column("result", sa.String(200), nullable=True),
        sa.Column("user_id", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_lookups"),
        sa.CheckConstraint("kind IN ('brief', 'define')", name="ck_lookups_kind"),
    )
    op.create_index("ix_lookups_at", "lookups", ["at"])


def downgrade() -> None:
    for table in (
        "lookups",
        "related_threads",
        "posted_messages",
        "deliveries",
        "featured_picks",
        "subscriptions",
    ):
        op.drop_table(table)
