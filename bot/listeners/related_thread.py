"""Threading related briefs under a channel message, exactly once per message.

The thread is claimed in the store before posting, so a second click, a mention,
or another replica handling the same click at the same moment posts nothing and
gets a pointer to the existing thread instead.
"""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk import WebClient

from bot.content.library import Library
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
    store = services.store
    if not store.claim_related_thread(channel, parent_ts):
        tell_user(
            already_threaded(client, channel, parent_ts, store.related_reply(channel, parent_ts))
        )
        return False
    message = blocks.related_message(brief, related_briefs(library, brief.id))
    try:
        posted = client.chat_postMessage(
            channel=channel,
            thread_ts=parent_ts,
            **message.payload(),
            unfurl_links=False,
            unfurl_media=False,
        )
    except Exception:
        # Free the claim so the next click can try again; the error handler tells the user.
        store.release_related_thread(channel, parent_ts)
        raise
    store.set_related_reply(channel, parent_ts, posted["ts"])
    return True


def already_threaded(
    client: WebClient, channel: str, parent_ts: str, reply_ts: str | None
) -> blocks.Message:
    permalink = None
    if reply_ts:
        found = client.chat_getPermalink(channel=channel, message_ts=reply_ts)
        permalink = found.get("permalink")
    if permalink:
        # A thread reply's permalink has `&cid=…`: link() escapes it as every link must be.
        thread = link(permalink, "this message's thread")
        return blocks.markdown_notice(
            f"Related briefs are already in {thread}.",
            "Related briefs are already in this message's thread.",
        )
    return blocks.notice("Related briefs are already in this message's thread.")
