"""Briefs in people's own DMs: who gets them, in which zone, and their snooze; the ledger
learns the one catch-up digest after a snooze.

Revision ID: 0010 (revises 0009), 2026-12-07.

- people: one row per team and person subscribed in their DMs with briefbot, with their
  DM conversation (their subscriptions are `subscriptions` rows under its id), their
  time zone from Slack and their snooze, if any.
- deliveries: kind may be "catchup" (slot: when the snooze began).
"""

from __future__ import annotations

from typing import Literal

import sqlalchemy as sa
from alembic import op

from bot.store.migrations.columns import ident, moment, team

revision, down_revision = "0010", "0009"


def upgrade() -> None:
    rebuild: Literal["always", "auto"] = (
        "always" if op.get_bind().dialect.name == "sqlite" else "auto"
    )
    op.create_table(
        "people",
        team(),
        ident("user_id"),
        ident("dm_channel"),
        ident("timezone"),
        moment("snoozed_from", nullable=True),
        moment("snoozed_until", nullable=True),
        moment("created_at"),
        moment("updated_at"),
        sa.PrimaryKeyConstraint("team_id", "user_id", name="pk_people"),
    )
    op.create_index(
        "ix_people_team_id_dm_channel", "people", ["team_id", "dm_channel"], unique=True
    )
    with op.batch_alter_table("deliveries", recreate=rebuild) as table:
        table.drop_constraint(op.f("ck_deliveries_kind"), type_="check")
        table.create_check_constraint(
            "kind", "kind IN ('daily', 'weekly', 'new', 'more', 'catchup')"
        )


def downgrade() -> None:
    raise NotImplementedError("briefbot migrates forward only; restore a backup to go back.")
