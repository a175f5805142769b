"""votes: "Was this helpful?", one vote per person per brief or term, in each team.

Revision ID: 0008 (revises 0007), 2026-12-07.

A new table; nothing that exists changes. Its key starts with the team, as every
team's table's does since 0007, so one workspace's votes never count in another's.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.store.migrations.columns import ident, moment, team

revision, down_revision = "0008", "0007"

VOTES = "'up', 'down'"


def upgrade() -> None:
    op.create_table(
        "votes",
        team(),
        ident("user_id"),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("item_id", sa.String(200), nullable=False),
        sa.Column("vote", sa.String(8), nullable=True),
        sa.Column("pressed", sa.String(8), nullable=False),
        ident("press_ts"),
        moment("voted_at"),
        sa.PrimaryKeyConstraint("team_id", "user_id", "kind", "item_id", name="pk_votes"),
        sa.CheckConstraint("kind IN ('brief', 'term')", name="ck_votes_kind"),
        sa.CheckConstraint(f"vote IN ({VOTES})", name="ck_votes_vote"),
        sa.CheckConstraint(f"pressed IN ({VOTES})", name="ck_votes_pressed"),
    )
    op.create_index("ix_votes_team_id_voted_at", "votes", ["team_id", "voted_at"])


def downgrade() -> None:
    raise NotImplementedError("briefbot migrates forward only; restore a backup to go back.")
