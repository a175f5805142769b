"""Threading related briefs under a channel message, exactly once per message.

The thread is claimed in the store before posting (`posted_once`), so a second click, a
mention, or another replica handling the same click at the same moment posts nothing
and gets a pointer to the existing thread instead.
"""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk import WebClient

from bot.content.library import Library
from bot.listeners.posted_once import (
    Outcome,
    Post,
    in_doubt_notice,
    once_key,
    permalink,
    post_once,
)
from bot.model import Brief
from bot.related import related_briefs
from bot.services import Services
from bot.slack import blocks
from bot.slack.mrkdwn import link


def post_related_in_thread(
    services: Services,
    library: Library,
    client: WebClient,
    channel: str,
    parent_ts: str,
    brief: Brief,
    *,
    tell_user: Callable[[blocks.Message], None],
) -> bool:
    """Post the related briefs as one reply under `parent_ts`; True if this call posted it."""
    message = blocks.related_message(brief, related_briefs(library, brief.id))
    post = Post(related_key(channel, parent_ts), channel, message.payload(), thread_ts=parent_ts)
    posted = post_once(services.store, client, post)
    if posted.outcome == Outcome.POSTED:
        return True
    if posted.outcome == Outcome.IN_DOUBT:
        tell_user(in_doubt_notice("the related briefs", "this message's thread"))
    else:
        tell_user(already_threaded(permalink(client, channel, posted.ts)))
    return False


def related_key(channel: str, parent_ts: str) -> str:
    return once_key("related", channel, parent_ts)


def already_threaded(thread_link: str | None) -> blocks.Message:
    if thread_link:
        # A thread reply's permalink has `&cid=…`: link() escapes it as every link must be.
        thread = link(thread_link, "this message's thread")
        return blocks.markdown_notice(
            f"Related briefs are already in {thread}.",
            "Related briefs are already in this message's thread.",
        )
    return blocks.notice("Related briefs are already in this message's thread.")
