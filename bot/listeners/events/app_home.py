"""The App Home tab: today's featured brief, the latest briefs and how to use briefbot."""

from __future__ import annotations

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.content.library import Library
from bot.daily.picks import featured_brief
from bot.listeners.commands.brief import usage
from bot.search.brief_index import latest_briefs
from bot.services import Services
from bot.slack import blocks


def app_home_opened(event: dict, context: BoltContext, client: WebClient) -> None:
    """Publish a fresh Home tab each time someone opens it."""
    if event.get("tab", "home") != "home":
        return
    services: Services = context["services"]
    library: Library = context["library"]
    view = blocks.home_view(
        featured=featured_brief(services.store, library, services.today()),
        latest=latest_briefs(library, 5),
        term_count=len(library.terms),
        brief_count=len(library.briefs),
        usage=usage(),
        schedules=home_schedules(services, event["user"]),
    )
    client.views_publish(user_id=event["user"], view=view)


def home_schedules(services: Services, user_id: str) -> list[str]:
    """One line per daily post schedule this person can see."""
    return []
