"""Briefs in your own DMs: `/brief subscribe` typed in a DM, `/brief snooze` and
`/brief unsnooze`, and the same steps for the App Home's buttons.

A person's subscriptions are ordinary subscriptions under their DM with briefbot (from
`conversations.open`), with the same kinds, days and tags as a channel's, in the time
zone of their Slack profile (`users.info`), which `user_change` keeps current. The
sweep holds them through a snooze and outside 08:00-20:00 of their time unless they
chose the time (`bot.daily.plan_dm`).
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.content.library import Library
from bot.listeners.commands.brief import BriefRequest, Subcommand
from bot.listeners.errors import user_message_for
from bot.schedule import Kind, ScheduleError, canonical_zone, parse_subscription
from bot.services import Services
from bot.slack import blocks
from bot.slack.mrkdwn import escape
from bot.slack.schedule_text import KIND_NAMES, describe, next_text, subscription_line
from bot.snooze import SnoozeError, parse_snooze
from bot.store import DeclaredChannelError, Person
from bot.suggest import unknown_tags

log = logging.getLogger("briefbot.daily")

GONE_ERRORS = frozenset({"user_not_found", "user_disabled"})
QUIET_NOTE = (
    "Nothing comes outside 08:00-20:00 your time unless you chose that time; "
    "`/brief snooze 1w` holds them, `/brief unsubscribe` stops them."
)
NOT_SUBSCRIBED = (
    "You get no briefs in your DMs. Type `/brief subscribe` in a direct message with me "
    "(or press *Subscribe me* on my Home tab) to start."
)


def is_dm(channel_id: str) -> bool:
    """Whether a command came from a direct message (Slack's DM ids start with D)."""
    return channel_id.startswith("D")


@dataclass(frozen=True, slots=True)
class Answer:
    """What to tell the person: our own mrkdwn, and its plain-text fallback."""

    text: str
    fallback: str

    def message(self) -> blocks.Message:
        return blocks.markdown_notice(self.text, self.fallback)


def _said(text: str) -> Answer:
    return Answer(text, text)


def _unless_gone(call: Callable[[], SlackResponse], gone: str) -> SlackResponse | Answer:
    """Slack's answer to `call`, or `gone` to tell the person when Slack says they are not
    in this workspace (GONE_ERRORS); any other error is raised, for the error handler."""
    try:
        return call()
    except SlackApiError as error:
        if str(error.response.get("error") or "") in GONE_ERRORS:
            return _said(gone)
        raise


def profile_zone(client: WebClient, user_id: str, default: str) -> str | Answer:
    """The person's zone from their Slack profile (`default` when it names none), or what
    to tell them when Slack does not know them in this workspace (a forged or foreign id,
    or a deactivated account)."""
    answer = _unless_gone(
        lambda: client.users_info(user=user_id),
        "I can't find you in this workspace, so I can't send you briefs.",
    )
    if isinstance(answer, Answer):
        return answer
    user = answer.get("user") or {}
    if user.get("deleted"):
        return _said("Your account in this workspace is deactivated; I can't send you briefs.")
    zone = user.get("tz")
    return (canonical_zone(zone) if isinstance(zone, str) else None) or default


def open_dm(client: WebClient, user_id: str) -> str | Answer:
    """The id of the DM between briefbot and the person (`conversations.open`)."""
    answer = _unless_gone(
        lambda: client.conversations_open(users=user_id),
        "I can't open a direct message with you in this workspace.",
    )
    if isinstance(answer, Answer):
        return answer
    return str((answer.get("channel") or {}).get("id") or "")


def enrol(services: Services, client: WebClient, user_id: str) -> Person | Answer:
    """Record the person with their DM and their profile's zone (moving subscriptions that
    followed an older zone), or say why not."""
    store = services.store
    zone = profile_zone(client, user_id, services.settings.timezone)
    if isinstance(zone, Answer):
        return zone
    dm = open_dm(client, user_id)
    if isinstance(dm, Answer):
        return dm
    store.move_person_zone(user_id, zone)
    return store.enrol(user_id, dm, zone)


def subscribe_person(
    services: Services, library: Library, client: WebClient, user_id: str, args: str
) -> Answer:
    """Subscribe the person in their DMs to what `args` says (as `/brief subscribe` reads
    it, in their profile's zone unless they name one)."""
    person = enrol(services, client, user_id)
    if isinstance(person, Answer):
        return person
    try:
        spec = parse_subscription(args, person.timezone)
    except ScheduleError as error:
        return _said(str(error))
    known = sorted({tag.lower() for brief in library.briefs for tag in brief.tags})
    unknown = unknown_tags(spec.tags, known)
    if unknown:
        tag, offers = unknown[0]
        hint = f" Did you mean {' or '.join(offers)}?" if offers else ""
        return _said(f"No brief is tagged “{tag}”.{hint} Nothing was subscribed.")
    store = services.store
    existing = store.subscription(person.dm_channel, spec.kind)
    name = KIND_NAMES[spec.kind]
    first = next_text(spec, services.now())
    if existing is not None and not existing.paused and existing.spec == spec:
        return Answer(
            f"You already get the {name} in our DMs: *{escape(describe(spec))}*. Next: {first}.",
            "Nothing changed.",
        )
    try:
        store.subscribe(person.dm_channel, spec, user_id)
    except DeclaredChannelError as error:
        return _said(str(error))
    return Answer(
        f"Done: the {name} in our DMs, *{escape(describe(spec))}*. Next: {first}. " + QUIET_NOTE,
        f"Subscribed in your DMs: {describe(spec)}.",
    )


def unsubscribe_person(services: Services, user_id: str, kind: Kind | None) -> Answer:
    """End the person's DM subscription of `kind`, or all of them."""
    store = services.store
    person = store.person(user_id)
    if person is None:
        return _said(NOT_SUBSCRIBED)
    if not store.unsubscribe(person.dm_channel, kind):
        what = "any briefs" if kind is None else f"the {KIND_NAMES[kind]}"
        return _said(f"You don't get {what} in your DMs.")
    what = "briefs" if kind is None else f"{KIND_NAMES[kind]}"
    return _said(f"Done: no more {what} in your DMs.")


def snooze_person(services: Services, user_id: str, args: str) -> Answer:
    """Hold the person's DM deliveries for the span or until the date `args` gives."""
    store = services.store
    person = store.person(user_id)
    if person is None or not store.channel_subscriptions(person.dm_channel):
        return _said(NOT_SUBSCRIBED)
    now = services.now()
    try:
        until = parse_snooze(args, now, person.timezone)
    except SnoozeError as error:
        return _said(str(error))
    store.snooze(user_id, until)
    when = until_text(until, person.timezone)
    return Answer(
        f"Snoozed until {when}. Then one message lists what you missed. "
        "`/brief unsnooze` ends it sooner.",
        f"Snoozed until {when}.",
    )


def unsnooze_person(services: Services, user_id: str) -> Answer:
    """End the person's snooze now; what it held back comes in one message."""
    store = services.store
    if store.unsnooze(user_id) is None:
        return _said("You're not snoozed. `/brief snooze 1w` holds your DMs for a week.")
    return _said(
        "Welcome back: your briefs come again, and one message lists what you missed "
        "(between 08:00 and 20:00 your time)."
    )


def until_text(until: dt.datetime, zone: str) -> str:
    """When a snooze ends, in the person's time: "Monday, May 13 at 09:00 (Europe/Helsinki)"."""
    local = until.astimezone(zoneinfo.ZoneInfo(zone))
    return f"{local:%A}, {local:%B} {local.day} at {local:%H:%M} ({zone})"


# --- /brief subcommands -------------------------------------------------------------


def _answer_later(request: BriefRequest, work: Callable[[], Answer]) -> None:
    """Ack now and answer through the response URL: Slack calls follow."""
    request.reply.ack()

    def run() -> None:
        try:
            answer = work()
        except SlackApiError as error:
            log.warning("could not set up %s's DM briefs: %s", request.user_id, error)
            request.reply(blocks.notice(f"{user_message_for(error)} Nothing was changed."))
            return
        request.reply(answer.message())

    request.later(run)


def subscribe_in_dm(request: BriefRequest) -> None:
    """`/brief subscribe …` typed in a DM: the person's own subscription."""
    _answer_later(
        request,
        lambda: subscribe_person(
            request.services, request.library, request.client, request.user_id, request.args
        ),
    )


def snooze(request: BriefRequest) -> None:
    request.reply(snooze_person(request.services, request.user_id, request.args).message())


def unsnooze(request: BriefRequest) -> None:
    request.reply(unsnooze_person(request.services, request.user_id).message())


SUBCOMMANDS = (
    Subcommand(
        "snooze",
        snooze,
        "*/brief snooze* _1w | 3d | 12h | YYYY-MM-DD_ — hold the briefs in your DMs; when "
        "it ends, one message lists what you missed (`/brief subscribe` in a DM with me "
        "sets them up, in your own time zone)",
    ),
    Subcommand("unsnooze", unsnooze, "*/brief unsnooze* — end your snooze now"),
)


def person_schedule(services: Services, user_id: str) -> Answer:
    """What the person gets in their DMs, when the next one comes, and their snooze."""
    store = services.store
    person = store.person(user_id)
    mine = store.channel_subscriptions(person.dm_channel) if person is not None else []
    if person is None or not mine:
        return _said(NOT_SUBSCRIBED)
    now = services.now()
    lines = [subscription_line(subscription.spec, now, " in your DMs") for subscription in mine]
    if person.snoozed(now) and person.snoozed_until is not None:
        lines.append(f"*Snoozed* until {until_text(person.snoozed_until, person.timezone)}.")
    lines.append(QUIET_NOTE)
    return Answer("\n".join(lines), "Your DM subscriptions")
