"""What a listener reaches through Bolt's context: one typed `Deps` per request.

Every request gets its `Deps` as it enters (a middleware in bot/app.py calls `attach`),
once Bolt has checked that Slack sent it; a listener asks for them with `deps(context)`
instead of picking loose keys out of Bolt's context.
"""

from __future__ import annotations

from dataclasses import dataclass

from slack_bolt import BoltContext

from bot.content.library import Library
from bot.listeners.followups import FollowUps
from bot.services import Services
from bot.store import Store

_KEY = "briefbot"


@dataclass(frozen=True, slots=True)
class Deps:
    """What briefbot gives each request: its services, its content and its follow-up pool."""

    services: Services
    library: Library
    """The content as it was when the request arrived: a reload meanwhile does not change it."""
    follow_ups: FollowUps

    @property
    def store(self) -> Store:
        return self.services.store


def attach(context: BoltContext, services: Services, follow_ups: FollowUps) -> None:
    """Give the request its `Deps`; the app's middleware does this once per request.

    Serving many workspaces, the request's services read and write only the rows of the
    team Slack's signed envelope names (the org, for an org-wide install), whatever ids a
    payload carries inside; a single-workspace deployment keeps its one team.
    """
    if services.installations is not None:
        enterprise = context.enterprise_id
        team = enterprise if context.is_enterprise_install else context.team_id
        services = services.for_team(team or "", enterprise)
    context[_KEY] = Deps(services, services.content.current, follow_ups)


def deps(context: BoltContext) -> Deps:
    """The request's `Deps`."""
    found: Deps = context[_KEY]
    return found


def has_deps(context: BoltContext) -> bool:
    """Whether the request got as far as briefbot's own middleware (Slack sent it)."""
    return _KEY in context
