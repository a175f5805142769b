"""Buttons on a brief: share it, show it, and its related briefs."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.content.library import Library
from bot.listeners.acked import Acked, acked_then
from bot.listeners.context import deps
from bot.listeners.posted_once import Outcome, Post, in_doubt_notice, once_key, post_once
from bot.listeners.related_thread import post_related_in_thread
from bot.listeners.replies import ephemeral
from bot.model import Brief
from bot.related import related_briefs
from bot.services import Services
from bot.slack import blocks
from bot.store.messages import ONCE_KEEP

GONE = "That brief is no longer in the library. Try `/brief latest`."


def _clicked_brief(
    action: dict, library: Library, answer: Callable[[blocks.Message], None]
) -> Brief | None:
    brief = library.by_id.get(str(action.get("value", "")))
    if brief is None:
        answer(blocks.notice(GONE))
    return brief


def private_answer(
    body: dict, client: WebClient, respond: Respond, *, replace: bool = False
) -> Callable[[blocks.Message], None]:
    """How to answer the clicker alone: through the response URL, or, for clicks in the
    App Home tab (which have none), in the app's direct messages."""

    def answer(message: blocks.Message) -> None:
        if body.get("response_url"):
            respond(**ephemeral(message), replace_original=replace)
        else:
            client.chat_postMessage(
                channel=body["user"]["id"], **message.payload(), unfurl_links=False
            )

    return answer


def _is_ephemeral(body: dict) -> bool:
    """True for clicks on private answers (ephemeral messages, App Home), not channel posts."""
    return bool(body.get("container", {}).get("is_ephemeral")) or "message" not in body


# Every button acks at once and does the rest after the ack (`button`): Web API
# calls and response URL posts can be slow, and must not hold the threads acks need.


def _share(acked: Acked) -> None:
    """Post the brief for everyone in the channel, saying who shared it."""
    body, action, context = acked.body, acked.payload, acked.context
    client, respond = acked.client, acked.respond
    brief = _clicked_brief(action, deps(context).library, private_answer(body, client, respond))
    if brief is None:
        return
    services: Services = deps(context).services
    channel, user = body["channel"]["id"], body["user"]["id"]
    message = blocks.brief_message(brief, ephemeral=False, shared_by=user)
    post = Post(share_key(body, action, brief.id), channel, message.payload(), keep=ONCE_KEEP)
    posted = post_once(services.store, client, post)
    if posted.outcome == Outcome.IN_DOUBT:
        private_answer(body, client, respond)(in_doubt_notice("the brief", "the channel"))
    elif posted.outcome in (Outcome.POSTED, Outcome.FOUND) and posted.ts:
        services.store.record_post(channel, posted.ts, brief.id, "shared")
        respond(delete_original=True)
    # Otherwise the same button was pressed again (a double click): it is shared already.


def share_key(body: dict, action: dict, brief_id: str) -> str:
    """What makes two share clicks the same: one person, one answer, one brief.

    Every click has its own trigger_id and action_ts, even a double click, so those
    cannot tell a second click from a new one; the message the button is on can. It is
    the private answer the share replaces, so it is shared at most once.
    """
    container = body.get("container") or {}
    source = container.get("message_ts") or action.get("action_ts") or body.get("trigger_id")
    return once_key("share", body["channel"]["id"], str(source), body["user"]["id"], brief_id)


def _related(acked: Acked) -> None:
    """In a channel: thread the related briefs under the message, once. Privately: list them."""
    body, action, context = acked.body, acked.payload, acked.context
    client, respond = acked.client, acked.respond
    library: Library = deps(context).library
    answer = private_answer(body, client, respond)
    brief = _clicked_brief(action, library, answer)
    if brief is None:
        return
    if _is_ephemeral(body):
        answer(blocks.related_message(brief, related_briefs(library, brief.id)))
        return
    message = body["message"]
    channel = body["channel"]["id"]
    parent_ts = message.get("thread_ts") or message["ts"]
    post_related_in_thread(
        deps(context).services,
        library,
        client,
        channel,
        parent_ts,
        brief,
        tell_user=answer,
    )


def _show(acked: Acked) -> None:
    """Open one brief from a list: in place of a private list, else as a private answer."""
    body, action, context = acked.body, acked.payload, acked.context
    client, respond = acked.client, acked.respond
    answer = private_answer(body, client, respond, replace=_is_ephemeral(body))
    brief = _clicked_brief(action, deps(context).library, answer)
    if brief is None:
        return
    # From App Home the brief arrives as a direct message, where sharing makes no sense.
    answer(blocks.brief_message(brief, ephemeral=bool(body.get("response_url"))))


share_brief_clicked = acked_then(_share)
related_briefs_clicked = acked_then(_related)
show_brief_clicked = acked_then(_show)


def read_story_clicked(ack: Ack) -> None:
    """Link buttons still send a click; acknowledging it keeps Slack from showing a warning."""
    ack()
