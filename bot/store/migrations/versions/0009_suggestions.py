"""Suggestions of a glossary term or a fix, and the admins' decisions on them.

Revision ID: 0009 (revises 0008), 2026-12-07.

One row per suggestion, keyed by its team and id, so one workspace's suggestions and
decisions never meet another's.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.store.migrations.columns import ident, moment, team

revision, down_revision = "0009", "0008"


def upgrade() -> None:
    op.create_table(
        "suggestions",
        team(),
        ident("id"),
        ident("user_id"),
        moment("created_at"),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("target", sa.String(200), nullable=False, server_default=""),
        sa.Column("base_hash", sa.String(64), nullable=False, server_default=""),
        sa.Column("proposal", sa.Text, nullable=False),
        ident("dedupe_key"),
        sa.Column("also_by", sa.Text, nullable=False, server_default=""),
        sa.Column("state", sa.String(16), nullable=False, server_default="open"),
        ident("edited_by", nullable=True),
        ident("decided_by", nullable=True),
        moment("decided_at", nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("outcome", sa.Text, nullable=True),
        sa.Column("review_messages", sa.Text, nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("team_id", "id", name="pk_suggestions"),
        sa.CheckConstraint("kind IN ('term', 'fix', 'brief')", name="ck_suggestions_kind"),
        sa.CheckConstraint(
            "state IN ('open', 'approved', 'declined')", name="ck_suggestions_state"
        ),
    )
    op.create_index(
        "ix_suggestions_team_id_user_id_state", "suggestions", ["team_id", "user_id", "state"]
    )
    op.create_index(
        "ix_suggestions_team_id_dedupe_key_state",
        "suggestions",
        ["team_id", "dedupe_key", "state"],
    )


def downgrade() -> None:
    raise NotImplementedError("briefbot migrates forward only; restore a backup to go back.")
