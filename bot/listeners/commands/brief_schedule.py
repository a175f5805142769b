"""/brief subscribe, /brief unsubscribe and /brief schedule: what a channel gets.

A channel holds at most one subscription of each kind: the featured brief (daily, on
its days), new briefs as they are published, and a weekly digest; any may take tags.
Subscribing first posts a short note in the channel, for everyone to see who set it up
and when posts come. That post also proves the bot may post there: if Slack says it
may not (a private channel it was not invited to, say), nothing is subscribed and the
person is told how to fix it.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.listeners.commands import brief_dm
from bot.listeners.commands.brief import BriefRequest, Subcommand
from bot.listeners.errors import user_message_for
from bot.schedule import (
    Kind,
    ScheduleError,
    SubscriptionSpec,
    canonical_zone,
    parse_subscription,
)
from bot.slack import blocks
from bot.slack.mrkdwn import escape
from bot.slack.schedule_text import (
    KIND_NAMES,
    KIND_PLURALS,
    describe,
    fallback_text,
    last_post_text,
    mention,
    next_text,
    schedule_text,
)
from bot.store import DeclaredChannelError, DeliveryKey, Store, Subscription
from bot.suggest import unknown_tags

log = logging.getLogger("briefbot.daily")

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


# Words `/brief unsubscribe` takes for one kind.
KIND_WORDS = {
    "daily": Kind.DAILY,
    "featured": Kind.DAILY,
    "new": Kind.NEW,
    "weekly": Kind.WEEKLY,
    "digest": Kind.WEEKLY,
}
TAGS_SHOWN = 12
"""Tags listed when someone asks for one no brief carries."""


def user_timezone(client: WebClient, user_id: str) -> str | None:
    """The person's time zone as set in Slack, or None if Slack does not say."""
    try:
        answer = client.users_info(user=user_id)
    except Exception as error:  # a default zone is a convenience, never a reason to fail
        log.info("no time zone for %s from users.info: %s", user_id, error)
        return None
    zone = (answer.get("user") or {}).get("tz")
    return canonical_zone(zone) if isinstance(zone, str) else None


def subscribe(request: BriefRequest) -> None:
    if brief_dm.is_dm(request.channel_id):
        brief_dm.subscribe_in_dm(request)
        return
    # Two Slack calls follow (users.info, chat.postMessage): ack now, answer through the
    # response URL, and leave the listener thread free for other people's acks.
    request.reply.ack()
    request.later(lambda: _subscribe(request))


def _subscribe(request: BriefRequest) -> None:
    services, store = request.services, request.services.store
    channel, user = request.channel_id, request.user_id
    default_zone = user_timezone(request.client, user) or services.settings.timezone
    try:
        spec = parse_subscription(request.args, default_zone)
    except ScheduleError as error:
        request.reply(blocks.notice(str(error)))
        return
    if (unknown := _unknown_tags_message(request, spec)) is not None:
        request.reply(blocks.notice(unknown))
        return
    existing = store.subscription(channel, spec.kind)
    if existing is not None and existing.declared:
        _resume_declared(request, existing)
        return
    first = next_text(spec, services.now())
    name = KIND_NAMES[spec.kind]
    before = _spec_of(existing)
    if existing is not None and not existing.paused and before == spec:
        request.reply(
            blocks.markdown_notice(
                f"This channel already gets its {name} at {escape(describe(spec))}; "
                f"nothing changed. Next post: {first}.",
                "Nothing changed.",
            )
        )
        return
    new = escape(describe(spec))
    article = "" if spec.kind is Kind.NEW else "a "
    if before is None or before == spec:
        what = "resumed" if existing is not None else "set up"
        note = f"{mention(user)} {what} {article}{name} in this channel: *{new}*."
        answer = f"{'Resumed' if existing is not None else 'Subscribed'}: {new}."
    else:
        old = escape(describe(before))
        note = f"{mention(user)} changed this channel's {name} from *{old}* to *{new}*."
        answer = f"Changed the schedule from {old} to {new}."
    note += (
        f" The next one comes {first}. "
        "Type `/brief schedule` to see it, `/brief unsubscribe` to stop it."
    )
    if not _post_note(request, note, f"This channel's {name} was set up or changed."):
        return
    try:
        store.subscribe(channel, spec, user)
    except DeclaredChannelError as error:  # declared between our check and now
        request.reply(blocks.notice(str(error)))
        return
    request.reply(blocks.markdown_notice(f"{answer} Next post: {first}.", answer))


def _unknown_tags_message(request: BriefRequest, spec: SubscriptionSpec) -> str | None:
    """What to say when a tag of `spec` is on no brief in the content, or None."""
    known = sorted({tag.lower() for brief in request.library.briefs for tag in brief.tags})
    unknown = unknown_tags(spec.tags, known)
    if not unknown:
        return None
    tag, offers = unknown[0]
    if offers:
        hint = f" Did you mean {' or '.join(offers)}?"
    elif known:
        shown = ", ".join(known[:TAGS_SHOWN]) + (", …" if len(known) > TAGS_SHOWN else "")
        hint = f" Tags in the briefs: {shown}."
    else:
        hint = " No brief has tags yet."
    return f"No brief is tagged “{tag}”.{hint} Nothing was subscribed."


def _spec_of(subscription: Subscription | None) -> SubscriptionSpec | None:
    """A subscription's spec, or None if there is none (or it no longer parses)."""
    if subscription is None:
        return None
    try:
        return subscription.spec
    except (ScheduleError, ValueError):
        return None


def _resume_declared(request: BriefRequest, subscription: Subscription) -> None:
    """A declared subscription keeps the admins' schedule; /brief subscribe can only resume it."""
    spec = subscription.spec
    name = KIND_NAMES[spec.kind]
    if not subscription.paused:
        request.reply(
            blocks.notice(
                f"{DeclaredChannelError(subscription.channel_id)} It posts at {describe(spec)}."
            )
        )
        return
    note = (
        f"{mention(request.user_id)} resumed this channel's {name}: "
        f"*{escape(describe(spec))}*, as set by the admins."
    )
    if not _post_note(request, note, f"This channel's {name} was resumed."):
        return
    request.services.store.resume(subscription.channel_id)
    first = next_text(spec, request.services.now())
    request.reply(
        blocks.markdown_notice(
            f"Resumed: {escape(describe(spec))}. Next post: {first}.",
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
    word = request.args.strip().lower()
    kind = KIND_WORDS.get(word) if word else None
    if word and kind is None:
        request.reply(
            blocks.markdown_notice(
                f"I don't know “{escape(request.args.strip())}”. Type `/brief unsubscribe` to "
                "end every subscription here, or `/brief unsubscribe daily`, `new` or "
                "`weekly` to end one.",
                "Type /brief unsubscribe, or /brief unsubscribe daily, new or weekly.",
            )
        )
        return
    if brief_dm.is_dm(request.channel_id):
        request.reply(
            brief_dm.unsubscribe_person(request.services, request.user_id, kind).message()
        )
        return
    store = request.services.store
    before = [s for s in store.channel_subscriptions(request.channel_id) if not s.declared]
    ended = [Kind(s.kind) for s in before if kind is None or Kind(s.kind) is kind]
    try:
        removed = store.unsubscribe(request.channel_id, kind)
    except DeclaredChannelError as error:
        request.reply(blocks.notice(str(error)))
        return
    if not removed:
        if kind is None:
            missing = "has no daily brief, no new-brief posts and no weekly digest"
        else:
            missing = f"has no {KIND_NAMES[kind]}"
        request.reply(
            blocks.markdown_notice(
                f"This channel {missing}. `/brief subscribe` sets one up.",
                f"This channel {missing}.",
            )
        )
        return
    ended = ended or ([kind] if kind is not None else [Kind.DAILY])
    kept = store.channel_subscriptions(request.channel_id)
    left = " The ones set in content/schedule.yml stay." if kept and kind is None else ""
    request.reply(
        blocks.notice(
            f"Done: no more {' or '.join(KIND_PLURALS[k] for k in ended)} in this channel.{left}"
        )
    )
    # The unsubscribe is done; the note is a courtesy, posted after the ack.
    names = " and the ".join(KIND_NAMES[k] for k in ended)
    request.follow_ups.best_effort(
        lambda: _post_unsubscribe_note(request, names), "post the unsubscribe note"
    )


def _post_unsubscribe_note(request: BriefRequest, names: str) -> None:
    request.client.chat_postMessage(
        channel=request.channel_id,
        **blocks.markdown_notice(
            f"{mention(request.user_id)} stopped the {names} in this channel.",
            f"The {names} in this channel was stopped.",
        ).payload(),
    )


def show_schedule(request: BriefRequest) -> None:
    services = request.services
    if brief_dm.is_dm(request.channel_id):
        request.reply(brief_dm.person_schedule(services, request.user_id).message())
        return
    subscriptions = services.store.channel_subscriptions(request.channel_id)
    if not subscriptions:
        request.reply(
            blocks.markdown_notice(
                "This channel has no daily brief and no other subscription. Type "
                "`/brief subscribe` to get today's featured brief here every weekday at 09:00 "
                "your time, or for example `/brief subscribe 08:30 daily Europe/Helsinki`, "
                "`/brief subscribe new` (each new brief as it is published) or "
                "`/brief subscribe weekly fri 16:00` (a weekly digest).",
                "This channel has no daily brief and no other subscription.",
            )
        )
        return
    now = services.now()
    texts = [
        schedule_text(subscription, now, _last_post(services.store, subscription))
        for subscription in subscriptions
    ]
    request.reply(
        blocks.markdown_notice(
            "\n\n".join(texts),
            "; ".join(fallback_text(subscription.spec) for subscription in subscriptions),
        )
    )


def _last_post(store: Store, subscription: Subscription) -> str | None:
    """The channel's latest daily post, for `/brief schedule` under its daily brief."""
    if subscription.spec.kind is not Kind.DAILY:
        return None
    latest = store.latest_delivery_date(subscription.channel_id)
    row = store.delivery(DeliveryKey.daily(subscription.channel_id, latest)) if latest else None
    return last_post_text(row.local_date, row.state.value) if row is not None else None


SUBCOMMANDS = (
    Subcommand(
        "subscribe",
        subscribe,
        "*/brief subscribe* _[daily|new|weekly] [HH:MM] [weekdays|daily|mon,wed,fri] "
        "[Area/City] [tags:a,b]_ — today's featured brief in this channel (typed in a DM "
        "with me: in your DMs, in your own time zone), e.g. "
        "`/brief subscribe 09:30 daily Europe/Helsinki` (defaults: 09:00, weekdays, your time "
        "zone); `/brief subscribe new` for each new brief as it is published; "
        "`/brief subscribe weekly fri 16:00` for a weekly digest; `tags:governance,security` "
        "for only those topics",
    ),
    Subcommand(
        "unsubscribe",
        unsubscribe,
        "*/brief unsubscribe* _[daily|new|weekly]_ — end this channel's subscriptions, or one",
    ),
    Subcommand(
        "schedule",
        show_schedule,
        "*/brief schedule* — what this channel gets and when the next post comes",
    ),
)
