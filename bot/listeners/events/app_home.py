"""The App Home tab: today's featured brief, the latest briefs and how to use briefbot."""

from __future__ import annotations

import logging
import re

from slack_bolt import BoltContext
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.content.library import Library
from bot.listeners.acked import after_ack
from bot.listeners.commands import usage
from bot.listeners.context import deps
from bot.search.brief_index import latest_briefs
from bot.services import Services
from bot.slack import blocks
from bot.slack.mrkdwn import escape

CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
SCHEDULES_UNREADABLE = (
    "_The channels' subscriptions cannot be read right now; open this tab again in a minute._"
)

log = logging.getLogger("briefbot.app")


def app_home_opened(event: dict, body: dict, context: BoltContext, client: WebClient) -> None:
    """Publish a fresh Home tab each time someone opens it.

    views.publish can take seconds when Slack is slow, and people open the Home tab
    often: building and publishing it happen after the ack, off the listener threads.
    """
    if event.get("tab", "home") != "home":
        return
    after_ack(context, body, lambda: publish_home(event, context, client))


def publish_home(event: dict, context: BoltContext, client: WebClient) -> None:
    services: Services = deps(context).services
    library: Library = deps(context).library
    view = blocks.home_view(
        featured=services.featured_today(library),
        latest=latest_briefs(library, 5),
        term_count=len(library.terms),
        brief_count=len(library.briefs),
        usage=usage(),
        schedules=readable_schedules(services, event["user"]),
        dms=readable_dms(services, event["user"]),
    )
    client.views_publish(user_id=event["user"], view=view)


def readable_schedules(services: Services, user_id: str) -> list[str]:
    """`home_schedules`, or, while the database cannot be read, a line saying so: the rest
    of the tab comes from the content and is worth showing."""
    try:
        return home_schedules(services, user_id)
    except SQLAlchemyError as error:
        log.warning("could not read the subscriptions for the Home tab: %s", error)
        return [SCHEDULES_UNREADABLE]


def readable_dms(services: Services, user_id: str) -> blocks.DmHome | None:
    """The person's own DM subscriptions and snooze; None (the part is left out) while
    the database cannot be read."""
    try:
        return dm_home(services, user_id)
    except SQLAlchemyError as error:
        log.warning("could not read the DM subscriptions for the Home tab: %s", error)
        return None


def dm_home(services: Services, user_id: str) -> blocks.DmHome:
    from bot.listeners.commands.brief_dm import until_text
    from bot.schedule import Kind
    from bot.slack.schedule_text import subscription_line

    store = services.store
    person = store.person(user_id)
    mine = store.channel_subscriptions(person.dm_channel) if person is not None else []
    now = services.now()
    # Each line goes with its kind: the Home tab puts that kind's Stop button beside it.
    lines = [(subscription_line(s.spec, now), s.kind) for s in mine]
    have = {subscription.kind for subscription in mine}
    labels = {
        Kind.DAILY: "Subscribe me" if not mine else "Add the daily brief",
        Kind.NEW: "Add new briefs",
        Kind.WEEKLY: "Add a weekly digest",
    }
    missing = [(kind.value, labels[kind]) for kind in Kind if kind.value not in have]
    if not mine:
        missing = missing[:1]
    snoozed = None
    if person is not None and mine and person.snoozed(now) and person.snoozed_until:
        snoozed = until_text(person.snoozed_until, person.timezone)
    return blocks.DmHome(lines, missing, snoozed)


def channel_link(channel_id: str) -> str:
    """A channel mention Slack renders as #name; anything that is not an id stays text."""
    return f"<#{channel_id}>" if CHANNEL_ID.match(channel_id) else escape(channel_id)


def home_schedules(services: Services, user_id: str) -> list[str]:
    """One line per subscription: channel, what it gets, next post in its own time.

    Every channel's subscriptions are listed, each kind (daily brief, new briefs, weekly
    digest) on its own line (Slack shows a private channel the person is not in as
    "private channel", never its name); the ones this person set up come first.
    """
    from bot.schedule import Kind, ScheduleError
    from bot.slack.schedule_text import KIND_NAMES, describe, next_text

    limit = 30
    now = services.now()
    order = list(Kind)
    dms = {person.dm_channel for person in services.store.people()}
    subscriptions = sorted(
        (s for s in services.store.subscriptions() if s.channel_id not in dms),
        key=lambda s: (s.created_by != user_id, s.channel_id, order.index(Kind(s.kind))),
    )
    lines: list[str] = []
    for subscription in subscriptions[:limit]:
        try:
            spec = subscription.spec
        except (ScheduleError, ValueError):
            continue
        if subscription.paused:
            state = "paused: `/brief subscribe` in the channel resumes it"
        else:
            state = "next " + next_text(spec, now)
        if subscription.declared:
            state += " · set by the admins"
        if subscription.created_by == user_id:
            state += " · set up by you"
        # The daily brief reads as before; the other kinds say what they are.
        label = f"{KIND_NAMES[spec.kind]}: " if spec.kind is Kind.WEEKLY else ""
        what = escape(label + describe(spec))
        lines.append(f"{channel_link(subscription.channel_id)} {what} · {state}")
    if len(subscriptions) > limit:
        lines.append(f"…and {len(subscriptions) - limit} more subscriptions")
    return lines
