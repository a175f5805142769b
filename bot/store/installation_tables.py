"""The tables of teams' installations and of OAuth states, on briefbot's own database.

slack_sdk's SQLAlchemy installation and state stores read and write them
(`bot/installations.py`); they are declared here too, column for column as slack_sdk
builds them, so migration 0006 creates them and tests/test_migrations.py checks the
schema against them like every other table. tests/test_installations.py checks that
these declarations still match the slack_sdk in use.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Column, DateTime, Index, Integer, String, Table, func

from bot.store.tables import metadata

INSTALLATIONS = "slack_installations"
BOTS = "slack_bots"
OAUTH_STATES = "slack_oauth_states"


def _app_columns() -> list[Column[Any]]:
    """Which app, and for which org, a row of either table is (slack_sdk's order)."""
    return [
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("client_id", String(32), nullable=False),
        Column("app_id", String(32), nullable=False),
        Column("enterprise_id", String(32)),
        Column("enterprise_name", String(200)),
    ]


def _bot_columns() -> list[Column[Any]]:
    """The team and its bot token, as both tables keep them."""
    return [
        Column("team_id", String(32)),
        Column("team_name", String(200)),
        Column("bot_token", String(200)),
        Column("bot_id", String(32)),
        Column("bot_user_id", String(32)),
        Column("bot_scopes", String(1000)),
        Column("bot_refresh_token", String(200)),
        Column("bot_token_expires_at", DateTime),
    ]


slack_installations = Table(
    # One row per installation (a team or an Enterprise Grid org, and who installed it);
    # a team that installs again gets a newer row.
    INSTALLATIONS,
    metadata,
    *_app_columns(),
    Column("enterprise_url", String(200)),
    *_bot_columns(),
    Column("user_id", String(32), nullable=False),
    Column("user_token", String(200)),
    Column("user_scopes", String(1000)),
    Column("user_refresh_token", String(200)),
    Column("user_token_expires_at", DateTime),
    Column("incoming_webhook_url", String(200)),
    Column("incoming_webhook_channel", String(200)),
    Column("incoming_webhook_channel_id", String(200)),
    Column("incoming_webhook_configuration_url", String(200)),
    Column("is_enterprise_install", Boolean, default=False, nullable=False),
    Column("token_type", String(32)),
    Column("installed_at", DateTime, nullable=False, default=func.now()),
    Index(
        f"{INSTALLATIONS}_idx", "client_id", "enterprise_id", "team_id", "user_id", "installed_at"
    ),
)

slack_bots = Table(
    # The bot token of each installation, the one requests are answered with.
    BOTS,
    metadata,
    *_app_columns(),
    *_bot_columns(),
    Column("is_enterprise_install", Boolean, default=False, nullable=False),
    Column("installed_at", DateTime, nullable=False, default=func.now()),
    Index(f"{BOTS}_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
)

slack_oauth_states = Table(
    # The state each "Add to Slack" page hands out, until it is used or expires.
    OAUTH_STATES,
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("state", String(200), nullable=False),
    Column("expire_at", DateTime, nullable=False),
)
