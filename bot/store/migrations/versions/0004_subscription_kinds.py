"""Subscription kinds (daily, new, weekly) and tags; ledger keys for every kind; briefs seen.

- subscriptions: one row per (channel, kind); existing rows become kind "daily" with no
  tags; days may now be a list like "mon,wed,fri".
- deliveries: keyed by (channel, kind, slot); existing rows become kind "daily" with
  their local date as the slot, so a day already posted is never posted again.
- featured_picks: one pick per (date, tag set); existing picks are the untagged ones.
- briefs_seen: when each brief first appeared, for announcing new briefs.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.store.migrations.columns import ident, moment

revision, down_revision = "0004", "0003"


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("subscriptions", recreate="always" if sqlite else "auto") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="daily"))
        batch.add_column(sa.Column("tags", sa.String(400), nullable=False, server_default=""))
        batch.drop_constraint("ck_subscriptions_days", type_="check")
        batch.drop_constraint("pk_subscriptions", type_="primary")
        batch.create_primary_key("pk_subscriptions", ["channel_id", "kind"])
        batch.create_check_constraint("kind", "kind IN ('daily', 'new', 'weekly')")

    with op.batch_alter_table("featured_picks", recreate="always" if sqlite else "auto") as batch:
        batch.add_column(sa.Column("tags", sa.String(400), nullable=False, server_default=""))
        batch.drop_constraint("pk_featured_picks", type_="primary")
        batch.create_primary_key("pk_featured_picks", ["day", "tags"])

    op.add_column(
        "deliveries", sa.Column("kind", sa.String(16), nullable=False, server_default="daily")
    )
    op.add_column("deliveries", ident("slot", nullable=True))
    op.add_column("deliveries", sa.Column("items", sa.Integer, nullable=True))
    # The slot of a daily row is its local date as YYYY-MM-DD: SQLite keeps dates as
    # that text already; PostgreSQL formats it.
    slot = "local_date" if sqlite else "to_char(local_date, 'YYYY-MM-DD')"
    op.execute(f"UPDATE deliveries SET slot = {slot}")
    with op.batch_alter_table("deliveries", recreate="always" if sqlite else "auto") as batch:
        batch.alter_column("slot", existing_type=sa.String(64), nullable=False)
        batch.drop_constraint("pk_deliveries", type_="primary")
        batch.create_primary_key("pk_deliveries", ["channel_id", "kind", "slot"])
        batch.create_check_constraint("kind", "kind IN ('daily', 'weekly', 'new', 'more')")

    op.create_table(
        "briefs_seen",
        ident("brief_id"),
        moment("first_seen_at"),
        ident("content_version"),
        sa.PrimaryKeyConstraint("brief_id", name="pk_briefs_seen"),
    )
    op.create_index("ix_briefs_seen_first_seen_at", "briefs_seen", ["first_seen_at"])


def downgrade() -> None:
    raise NotImplementedError("briefbot migrates forward only; restore a backup to go back.")
