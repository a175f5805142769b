"""A local stand-in for Slack on 127.0.0.1: a workspace, its Web API and response URLs.

`briefbot console` runs the real Bolt app against it when no Slack tokens are set. The
tests build on it (`tests/fakeslack` adds Socket Mode, a fault plan and a record of every
call, through the `CallHook` extension point). Standard library only, but for the
Block Kit limits it shares with the bot (`bot/slack/limits.py`).
"""

from bot.localslack.hooks import CallHook, Detour
from bot.localslack.records import Call
from bot.localslack.server import DEFAULT_APP_TOKEN, DEFAULT_BOT_TOKEN, LocalSlack
from bot.localslack.transport import Reply, Request
from bot.localslack.webapi import ApiError
from bot.localslack.workspace import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    TEAM_ID,
    Channel,
    User,
)

__all__ = [
    "APP_ID",
    "BOT_ID",
    "BOT_USER_ID",
    "DEFAULT_APP_TOKEN",
    "DEFAULT_BOT_TOKEN",
    "TEAM_ID",
    "ApiError",
    "Call",
    "CallHook",
    "Channel",
    "Detour",
    "LocalSlack",
    "Reply",
    "Request",
    "User",
]
