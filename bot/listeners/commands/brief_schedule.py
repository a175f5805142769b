"""/brief subscribe, /brief unsubscribe and /brief schedule: a channel's daily brief.

Subscribing first posts a short note in the channel, for everyone to see who set it up
and when posts come. That post also proves the bot may post there: if Slack says it
may not (a private channel it was not invited to, say), nothing is subscribed and the
person is told how to fix it.
"""

from __future__ import annotations

import datetime as dt
import logging
import re

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.listeners.commands.brief import BriefRequest, Subcommand
from bot.listeners.errors import user_message_for
from bot.schedule import (
    Schedule,
    ScheduleError,
    canonical_zone,
    next_post_time,
    parse_schedule_args,
)
from bot.slack import blocks
from bot.slack.mrkdwn import escape
from bot.store import DeclaredChannelError, DeliveryState, Store, Subscription

log = logging.getLogger("briefbot.daily")

USER_ID_RE = re.compile(r"^[UW][A-Z0-9]{2,}$")

# Slack's answer when the bot may not post in a channel -> what to tell the person.
CANNOT_POST = {
    "not_in_channel": "I'm not a member of this channel, so I can't post here. Invite me "
    "with `/invite @briefbot`, then type `/brief subscribe` again.",
    "channel_not_found": "I can't see this channel: it is private and I'm not in it. Invite "
    "me with `/invite @briefbot`, then type `/brief subscribe` again.",
    "is_archived": "This channel is archived, so I can't post daily briefs in it.",
    "restricted_action": "This workspace doesn't let apps post in this channel; a workspace "
    "admin can change that.",
}


def when_text(at: dt.datetime, schedule: Schedule) -> str:
    """An instant in the channel's own time: "Monday, May 6 at 09:00 (Europe/Helsinki)"."""
    local = at.astimezone(schedule.zone)
    return f"{local:%A}, {local:%B} {local.day} at {local:%H:%M} ({schedule.timezone})"


def user_timezone(client: WebClient, user_id: str) -> str | None:
    """The person's time zone as set in Slack, or None if Slack does not say."""
    try:
        answer = client.users_info(user=user_id)
    except Exception as error:  # a default zone is a convenience, never a reason to fail
        log.info("no time zone for %s from users.info: %s", user_id, error)
        return None
    zone = (answer.get("user") or {}).get("tz")
    return canonical_zone(zone) if isinstance(zone, str) else None


def _mention(user_id: str) -> str:
    return f"<@{user_id}>" if USER_ID_RE.match(user_id) else "Someone"


def subscribe(request: BriefRequest) -> None:
    # Two Slack calls follow (users.info, chat.postMessage): ack now, answer through the
    # response URL, and leave the listener thread free for other people's acks.
    request.reply.ack()
    request.later(lambda: _subscribe(request))


def _subscribe(request: BriefRequest) -> None:
    services, store = request.services, request.services.store
    channel, user = request.channel_id, request.user_id
    existing = store.subscription(channel)
    if existing is not None and existing.declared:
        _resume_declared(request, existing)
        return
    default_zone = user_timezone(request.client, user) or services.settings.timezone
    try:
        schedule = parse_schedule_args(request.args, default_zone)
    except ScheduleError as error:
        request.reply(blocks.notice(str(error)))
        return
    first = next_post_time(schedule, services.now())
    before = _schedule_of(existing)
    if existing is not None and not existing.paused and before == schedule:
        request.reply(
            blocks.markdown_notice(
                f"This channel already gets its daily brief at {escape(schedule.describe())}; "
                f"nothing changed. Next post: {when_text(first, schedule)}.",
                "Nothing changed.",
            )
        )
        return
    new = escape(schedule.describe())
    if before is None or before == schedule:
        what = "resumed" if existing is not None else "set up"
        note = f"{_mention(user)} {what} a daily brief in this channel: *{new}*."
        answer = f"{'Resumed' if existing is not None else 'Subscribed'}: {new}."
    else:
        old = escape(before.describe())
        note = f"{_mention(user)} changed this channel's daily brief from *{old}* to *{new}*."
        answer = f"Changed the schedule from {old} to {new}."
    note += (
        f" The next one comes {when_text(first, schedule)}. "
        "Type `/brief schedule` to see it, `/brief unsubscribe` to stop it."
    )
    if not _post_note(request, note, "This channel's daily brief was set up or changed."):
        return
    try:
        store.subscribe(channel, schedule, user)
    except DeclaredChannelError as error:  # declared between our check and now
        request.reply(blocks.notice(str(error)))
        return
    request.reply(
        blocks.markdown_notice(f"{answer} Next post: {when_text(first, schedule)}.", answer)
    )


def _schedule_of(subscription: Subscription | None) -> Schedule | None:
    """A subscription's schedule, or None if there is none (or it no longer parses)."""
    if subscription is None:
        return None
    try:
        return subscription.schedule
    except ScheduleError:
        return None


def _resume_declared(request: BriefRequest, subscription: Subscription) -> None:
    """A declared channel keeps the admins' schedule; /brief subscribe can only resume it."""
    schedule = subscription.schedule
    if not subscription.paused:
        request.reply(
            blocks.notice(
                f"{DeclaredChannelError(subscription.channel_id)} It posts at "
                f"{schedule.describe()}."
            )
        )
        return
    note = (
        f"{_mention(request.user_id)} resumed this channel's daily brief: "
        f"*{escape(schedule.describe())}*, as set by the admins."
    )
    if not _post_note(request, note, "This channel's daily brief was resumed."):
        return
    request.services.store.resume(subscription.channel_id)
    first = next_post_time(schedule, request.services.now())
    request.reply(
        blocks.markdown_notice(
            f"Resumed: {escape(schedule.describe())}. Next post: {when_text(first, schedule)}.",
            "Resumed.",
        )
    )


def _post_note(request: BriefRequest, mrkdwn_text: str, fallback: str) -> bool:
    """Post a visible note in the channel; False (after telling the person) if we may not."""
    try:
        request.client.chat_postMessage(
            channel=request.channel_id,
            **blocks.markdown_notice(mrkdwn_text, fallback).payload(),
            unfurl_links=False,
            unfurl_media=False,
        )
    except SlackApiError as error:
        code = str(error.response.get("error") or "")
        if code in CANNOT_POST:
            request.reply(blocks.markdown_notice(CANNOT_POST[code], CANNOT_POST[code]))
        else:
            # Acked already, so the global handler could no longer answer: say it here.
            log.warning(
                "could not post in %s to set up its daily brief: %s", request.channel_id, code
            )
            request.reply(blocks.notice(f"{user_message_for(error)} Nothing was subscribed."))
        return False
    return True


def unsubscribe(request: BriefRequest) -> None:
    try:
        removed = request.services.store.unsubscribe(request.channel_id)
    except DeclaredChannelError as error:
        request.reply(blocks.notice(str(error)))
        return
    if not removed:
        request.reply(
            blocks.markdown_notice(
                "This channel has no daily brief. `/brief subscribe` sets one up.",
                "This channel has no daily brief.",
            )
        )
        return
    request.reply(blocks.notice("Done: no more daily briefs in this channel."))
    # The unsubscribe is done; the note is a courtesy, posted after the ack.
    request.follow_ups.best_effort(
        lambda: _post_unsubscribe_note(request), "post the unsubscribe note"
    )


def _post_unsubscribe_note(request: BriefRequest) -> None:
    request.client.chat_postMessage(
        channel=request.channel_id,
        **blocks.markdown_notice(
            f"{_mention(request.user_id)} stopped the daily brief in this channel.",
            "The daily brief in this channel was stopped.",
        ).payload(),
    )


def show_schedule(request: BriefRequest) -> None:
    services = request.services
    subscription = services.store.subscription(request.channel_id)
    if subscription is None:
        request.reply(
            blocks.markdown_notice(
                "This channel has no daily brief. Type `/brief subscribe` to get today's "
                "featured brief here every weekday at 09:00 your time, or for example "
                "`/brief subscribe 08:30 daily Europe/Helsinki`.",
                "This channel has no daily brief.",
            )
        )
        return
    request.reply(
        blocks.markdown_notice(
            schedule_text(services.store, subscription, services.now()),
            f"Daily brief: {subscription.post_time} ({subscription.timezone})",
        )
    )


def schedule_text(store: Store, subscription: Subscription, now: dt.datetime) -> str:
    """What `/brief schedule` says about one channel, in mrkdwn we build ourselves."""
    schedule = subscription.schedule
    lines = [f"*Daily brief in this channel:* {escape(schedule.describe())}"]
    if subscription.paused:
        reason = escape(subscription.paused_reason or "")
        lines.append(
            f"*Paused*{f' ({reason})' if reason else ''}: no posts until someone types "
            "`/brief subscribe` here."
        )
    else:
        lines.append(f"*Next post:* {when_text(next_post_time(schedule, now), schedule)}")
    if subscription.declared:
        lines.append("Set by the admins in content/schedule.yml; it can't be changed from Slack.")
    elif subscription.created_by:
        lines.append(f"Set up by {_mention(subscription.created_by)}.")
    last = _last_post(store, subscription.channel_id)
    if last:
        lines.append(last)
    return "\n".join(lines)


def _last_post(store: Store, channel_id: str) -> str | None:
    latest = store.latest_delivery_date(channel_id)
    row = store.delivery(channel_id, latest) if latest else None
    if row is None:
        return None
    words = {
        DeliveryState.POSTED: "posted",
        DeliveryState.SKIPPED: "skipped (the bot was down for too long)",
        DeliveryState.FAILED: "not posted",
        DeliveryState.UNKNOWN: "maybe posted (Slack didn't say); not retried",
        DeliveryState.CLAIMED: "being posted",
        DeliveryState.POSTING: "being posted",
    }
    return f"Last: {row.local_date.isoformat()}, {words[row.state]}."


SUBCOMMANDS = (
    Subcommand(
        "subscribe",
        subscribe,
        "*/brief subscribe* _[HH:MM] [weekdays|daily] [Area/City]_ — today's featured brief in "
        "this channel every day, e.g. `/brief subscribe 09:30 daily Europe/Helsinki` "
        "(defaults: 09:00, weekdays, your time zone)",
    ),
    Subcommand(
        "unsubscribe", unsubscribe, "*/brief unsubscribe* — stop this channel's daily brief"
    ),
    Subcommand(
        "schedule",
        show_schedule,
        "*/brief schedule* — this channel's daily brief and when the next comes",
    ),
)
