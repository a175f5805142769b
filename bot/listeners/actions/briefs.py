"""Buttons on a brief: share it, show it, and its related briefs."""

from __future__ import annotations

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.content.library import Library
from bot.content.model import Brief
from bot.listeners.related_thread import post_related_in_thread
from bot.listeners.replies import ephemeral
from bot.related import related_briefs
from bot.services import Services
from bot.slack import blocks

GONE = "That brief is no longer in the library. Try `/brief latest`."


def _clicked_brief(action: dict, library: Library, respond: Respond) -> Brief | None:
    brief = library.by_id.get(str(action.get("value", "")))
    if brief is None:
        respond(**ephemeral(blocks.notice(GONE)), replace_original=False)
    return brief


def _is_ephemeral(body: dict) -> bool:
    return bool(body.get("container", {}).get("is_ephemeral")) or "message" not in body


def share_brief_clicked(
    ack: Ack, body: dict, action: dict, context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """Post the brief for everyone in the channel, saying who shared it."""
    ack()
    brief = _clicked_brief(action, context["library"], respond)
    if brief is None:
        return
    services: Services = context["services"]
    channel, user = body["channel"]["id"], body["user"]["id"]
    message = blocks.brief_message(brief, ephemeral=False, shared_by=user)
    posted = client.chat_postMessage(
        channel=channel, **message.payload(), unfurl_links=False, unfurl_media=False
    )
    services.store.record_post(channel, posted["ts"], brief.id, "shared")
    respond(delete_original=True)


def related_briefs_clicked(
    ack: Ack, body: dict, action: dict, context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """In a channel: thread the related briefs under the message, once. Privately: list them."""
    ack()
    library: Library = context["library"]
    brief = _clicked_brief(action, library, respond)
    if brief is None:
        return
    if _is_ephemeral(body):
        related = related_briefs(library, brief.id)
        respond(**ephemeral(blocks.related_message(brief, related)), replace_original=False)
        return
    message = body["message"]
    channel = body["channel"]["id"]
    parent_ts = message.get("thread_ts") or message["ts"]
    post_related_in_thread(
        context["services"],
        library,
        client,
        channel,
        parent_ts,
        brief,
        tell_user=lambda note: respond(**ephemeral(note), replace_original=False),
    )


def show_brief_clicked(
    ack: Ack, body: dict, action: dict, context: BoltContext, respond: Respond
) -> None:
    """Open one brief from a list: in place of a private list, else as a private answer."""
    ack()
    brief = _clicked_brief(action, context["library"], respond)
    if brief is None:
        return
    message = blocks.brief_message(brief, ephemeral=True)
    respond(**ephemeral(message), replace_original=_is_ephemeral(body))


def read_story_clicked(ack: Ack) -> None:
    """Link buttons still send a click; acknowledging it keeps Slack from showing a warning."""
    ack()
