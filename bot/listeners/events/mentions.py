"""@briefbot in a brief's thread with "related" or "more" threads its related briefs."""

from __future__ import annotations

import re

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.content.library import Library
from bot.listeners.acked import after_ack
from bot.listeners.context import deps
from bot.listeners.related_thread import post_related_in_thread
from bot.services import Services
from bot.slack import blocks

WANTS_RELATED = re.compile(r"\b(related|more)\b", re.IGNORECASE)
MENTION_HELP = (
    "Mention me with “related” in the thread of a brief I posted, and I'll add its related "
    "briefs there. For everything else, try `/brief help`."
)


def app_mentioned(event: dict, body: dict, context: BoltContext, client: WebClient) -> None:
    """Answer a mention: related briefs in a brief's thread, else a short private hint.

    Everything here is a Slack call, done after the ack, off the listener threads.
    """
    after_ack(context, body, lambda: answer_mention(event, context, client))


def answer_mention(event: dict, context: BoltContext, client: WebClient) -> None:
    services: Services = deps(context).services
    library: Library = deps(context).library
    channel, user = event["channel"], event.get("user", "")
    text = re.sub(r"<@[^>]+>", " ", event.get("text", ""))
    parent_ts = event.get("thread_ts")
    brief_id = services.store.brief_for_message(channel, parent_ts) if parent_ts else None
    brief = library.by_id.get(brief_id) if brief_id else None
    if parent_ts and brief is not None and WANTS_RELATED.search(text):

        def tell_user(note: blocks.Message) -> None:
            client.chat_postEphemeral(
                channel=channel, user=user, thread_ts=parent_ts, **note.payload()
            )

        post_related_in_thread(
            services, library, client, channel, parent_ts, brief, tell_user=tell_user
        )
        return
    hint = blocks.notice(MENTION_HELP)
    client.chat_postEphemeral(channel=channel, user=user, thread_ts=parent_ts, **hint.payload())
