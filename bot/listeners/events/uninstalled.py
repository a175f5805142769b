"""`app_uninstalled` and `tokens_revoked`: a team that removes briefbot is forgotten.

Its installation and bot token go (`bot.installations.forget_team`), so nothing more is
sent with them, and the other teams carry on. briefbot asks for no user tokens, so a
`tokens_revoked` naming only people's tokens changes nothing.
"""

from __future__ import annotations

import logging

from slack_bolt import BoltContext

from bot.installations import forget_team
from bot.listeners.context import deps

log = logging.getLogger("briefbot.installations")


def app_uninstalled(context: BoltContext) -> None:
    _forget(context)


def tokens_revoked(event: dict, context: BoltContext) -> None:
    tokens = event.get("tokens") or {}
    if tokens.get("bot"):
        _forget(context)
    else:
        log.info("tokens_revoked for people's tokens only: briefbot keeps none")


def _forget(context: BoltContext) -> None:
    services = deps(context).services
    # An org-wide installation is kept under the org alone, whichever workspace told us.
    team_id = None if context.is_enterprise_install else context.team_id
    forget_team(services.installations, services.store, team_id, context.enterprise_id)
