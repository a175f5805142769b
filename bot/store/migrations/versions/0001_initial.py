"""Initial schema: subscriptions, featured picks, delivery ledger, posted messages,
related-brief threads and lookups.

Revision ID: 0001
Revises:
Create Date: 2024-06-01

Written out from the frozen column kinds in bot.store.migrations.columns rather than
built from bot.store.tables, so that this revision keeps creating exactly this schema
however the tables change later.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.store.migrations.columns import ident, moment

revision, down_revision = "0001", None


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        ident("channel_id"),
        sa.Column("post_time", sa.String(5), nullable=False),
        ident("timezone"),
        sa.Column("days", sa.String(16), nullable=False),
        ident("created_by", nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("paused", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("paused_reason", sa.Text(), nullable=True),
        moment("created_at"),
        moment("updated_at"),
        sa.PrimaryKeyConstraint("channel_id", name="pk_subscriptions"),
        sa.CheckConstraint("days IN ('weekdays', 'daily')", name="ck_subscriptions_days"),
        sa.CheckConstraint("source IN ('slack', 'schedule_file')", name="ck_subscriptions_source"),
    )
    op.create_table(
        "featured_picks",
        sa.Column("day", sa.Date(), nullable=False),
        ident("brief_id"),
        ident("content_version"),
        moment("picked_at"),
        sa.PrimaryKeyConstraint("day", name="pk_featured_picks"),
    )
    op.create_table(
        "deliveries",
        ident("channel_id"),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        ident("brief_id"),
        ident("content_version"),
        ident("message_ts", nullable=True),
        ident("claimed_by"),
        moment("claimed_at"),
        moment("updated_at"),
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
        ident("channel_id"),
        ident("ts"),
        ident("brief_id"),
        sa.Column("kind", sa.String(16), nullable=False),
        moment("posted_at"),
        sa.PrimaryKeyConstraint("channel_id", "ts", name="pk_posted_messages"),
        sa.CheckConstraint("kind IN ('daily', 'shared')", name="ck_posted_messages_kind"),
    )
    op.create_table(
        "related_threads",
        ident("channel_id"),
        ident("parent_ts"),
        ident("reply_ts", nullable=True),
        moment("created_at"),
        sa.PrimaryKeyConstraint("channel_id", "parent_ts", name="pk_related_threads"),
    )
    op.create_table(
        "lookups",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        moment("at"),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("query", sa.String(200), nullable=False),
        sa.Column("found", sa.Boolean(), nullable=False),
        sa.Column("result", sa.String(200), nullable=True),
        ident("user_id", nullable=True),
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
