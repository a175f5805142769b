"""A local stand-in for Slack on 127.0.0.1: Web API, response URLs, recorded calls, faults.

`briefbot console` runs the real Bolt app against it when no Slack tokens are set, and the
tests use it (through `tests/fakeslack`, which adds Socket Mode) to see what the bot sent
and to make Slack fail on purpose. Standard library only.
"""

from bot.localslack.records import Call, Fault
from bot.localslack.server import (
    DEFAULT_APP_TOKEN,
    DEFAULT_BOT_TOKEN,
    LocalSlack,
    Reply,
    Request,
)
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
    "Channel",
    "Fault",
    "LocalSlack",
    "Reply",
    "Request",
    "User",
]
