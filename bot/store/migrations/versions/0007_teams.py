"""Every row that belongs to a team says which: team_id on subscriptions, the delivery
ledger, posted messages, claims on doing something once, and lookups.

Revision ID: 0007 (revises 0006), 2026-12-06.

Each table's key starts with the team, so two workspaces' channels, posts and claims
never meet. The migration cannot ask Slack which team a single-workspace deployment
serves, so rows written so far get the team "" (`tables.NO_TEAM`); the first start-up
with SLACK_BOT_TOKEN adopts them into the team `auth.test` names, in one transaction.
Content (briefs seen, featured picks) is one library for every team and has no team.
"""

from __future__ import annotations

from typing import Literal

from alembic import op

from bot.store.migrations.columns import ident, team

revision, down_revision = "0007", "0006"

KEYS = {
    "subscriptions": ["team_id", "channel_id", "kind"],
    "deliveries": ["team_id", "channel_id", "kind", "slot"],
    "posted_messages": ["team_id", "channel_id", "ts"],
    "handled_once": ["team_id", "key"],
}


def upgrade() -> None:
    rebuild: Literal["always", "auto"] = (
        "always" if op.get_bind().dialect.name == "sqlite" else "auto"
    )
    for name, key in KEYS.items():
        with op.batch_alter_table(name, recreate=rebuild) as table:
            table.add_column(team())
            if name == "subscriptions":
                table.add_column(ident("enterprise_id", nullable=True))
            table.drop_constraint(f"pk_{name}", type_="primary")
            table.create_primary_key(f"pk_{name}", key)
    with op.batch_alter_table("lookups", recreate=rebuild) as table:
        table.add_column(team())
        table.create_index("ix_lookups_team_id_at", ["team_id", "at"])


def downgrade() -> None:
    raise NotImplementedError("briefbot migrates forward only; restore a backup to go back.")
