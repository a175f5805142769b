"""What briefbot says about subscriptions: kinds by name, schedules, next posts, in mrkdwn.

`/brief subscribe`, `/brief schedule`, `/brief unsubscribe` and the App Home all speak of
subscriptions in these words. Everything here takes plain data: a `SubscriptionSpec`
and the store's frozen `Subscription` record, never the store itself.
"""

from __future__ import annotations

import datetime as dt
import re

from bot.records import Subscription
from bot.schedule import Kind, Schedule, SubscriptionSpec, next_post
from bot.slack.mrkdwn import escape

USER_ID_RE = re.compile(r"^[UW][A-Z0-9]{2,}$")

KIND_NAMES = {Kind.DAILY: "daily brief", Kind.NEW: "new-brief posts", Kind.WEEKLY: "weekly digest"}
"""How each kind is named in answers and notes."""
KIND_PLURALS = {
    Kind.DAILY: "daily briefs",
    Kind.NEW: "new-brief posts",
    Kind.WEEKLY: "weekly digests",
}
HEADINGS = {
    Kind.DAILY: "Daily brief in this channel",
    Kind.NEW: "New briefs in this channel",
    Kind.WEEKLY: "Weekly digest in this channel",
}
LAST_POST_WORDS = {
    "posted": "posted",
    "skipped": "skipped (the bot was down for too long)",
    "failed": "not posted",
    "unknown": "maybe posted (Slack didn't say); not retried",
    "claimed": "being posted",
    "posting": "being posted",
}
"""A delivery's state (its stored value) -> how `/brief schedule` says it."""


def describe(spec: SubscriptionSpec) -> str:
    """For people: "09:30 on weekdays (UTC)", "new briefs as published", "16:00 on Fri (UTC)",
    each with " · tags: a, b" when it has tags."""
    if spec.kind is Kind.NEW:
        text = f"new briefs as they are published ({spec.schedule.timezone})"
    else:
        text = spec.schedule.describe()
    return text + (f" · tags: {', '.join(spec.tags)}" if spec.tags else "")


def next_text(spec: SubscriptionSpec, now: dt.datetime) -> str:
    """When the subscription posts next, in the channel's own time."""
    at = next_post(spec, now)
    if at is None:
        return "at the first sweep after a new brief is published"
    return when_text(at, spec.schedule)


def when_text(at: dt.datetime, schedule: Schedule) -> str:
    """An instant in the channel's own time: "Monday, May 6 at 09:00 (Europe/Helsinki)"."""
    local = at.astimezone(schedule.zone)
    return f"{local:%A}, {local:%B} {local.day} at {local:%H:%M} ({schedule.timezone})"


def mention(user_id: str) -> str:
    """A person by mention, or "Someone" for anything that is not a user id."""
    return f"<@{user_id}>" if USER_ID_RE.match(user_id) else "Someone"


def fallback_text(spec: SubscriptionSpec) -> str:
    """One subscription in plain words, for a notification: "Daily brief: 09:00 (UTC)"."""
    name = KIND_NAMES[spec.kind].capitalize()
    if spec.kind is Kind.NEW:
        return f"{name} ({spec.schedule.timezone})"
    return f"{name}: {spec.schedule.post_time:%H:%M} ({spec.schedule.timezone})"


def last_post_text(local_date: dt.date, state: str) -> str:
    """The channel's latest daily post: "Last: 2024-05-06, posted."."""
    return f"Last: {local_date.isoformat()}, {LAST_POST_WORDS[state]}."


def schedule_text(
    subscription: Subscription, now: dt.datetime, last_post: str | None = None
) -> str:
    """What `/brief schedule` says about one subscription, in mrkdwn we build ourselves."""
    spec = subscription.spec
    lines = [f"*{HEADINGS[spec.kind]}:* {escape(describe(spec))}"]
    if subscription.paused:
        reason = escape(subscription.paused_reason or "")
        lines.append(
            f"*Paused*{f' ({reason})' if reason else ''}: no posts until someone types "
            "`/brief subscribe` here."
        )
    else:
        lines.append(f"*Next post:* {next_text(spec, now)}")
    if subscription.declared:
        lines.append("Set by the admins in content/schedule.yml; it can't be changed from Slack.")
    elif subscription.created_by:
        lines.append(f"Set up by {mention(subscription.created_by)}.")
    if last_post:
        lines.append(last_post)
    return "\n".join(lines)


def subscription_line(spec: SubscriptionSpec, now: dt.datetime, where: str = "") -> str:
    """One subscription in a list of them, in mrkdwn: "*Daily brief in your DMs:* 09:00 on
    weekdays (Europe/Helsinki) · next Monday, May 6 at 09:00 (Europe/Helsinki)"; `where`
    (" in your DMs") follows the kind's name, or is left out."""
    name = KIND_NAMES[spec.kind].capitalize()
    return f"*{name}{where}:* {escape(describe(spec))} · next {next_text(spec, now)}"
