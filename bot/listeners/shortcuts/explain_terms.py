"""Explain terms, on any message: the glossary terms in it, privately; and, with the
answer's Post in thread button, once in that message's thread for everyone."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.content.library import Library
from bot.listeners.acked import after_ack
from bot.listeners.context import deps
from bot.listeners.replies import ephemeral
from bot.search.term_finder import find_terms, named_terms
from bot.services import Services
from bot.slack import blocks, explain_blocks
from bot.slack.message_text import message_prose

STALE = "That button no longer works. Use *Explain terms* on the message again."


def explain_terms_shortcut(ack: Ack, body: dict, context: BoltContext, respond: Respond) -> None:
    """Answer the person privately with every glossary term in the message."""
    ack()
    library: Library = deps(context).library
    shown = body.get("message")
    message: dict[str, Any] = shown if isinstance(shown, dict) else {}
    found = find_terms(library.term_finder, message_prose(message))
    if found:
        channel = str((body.get("channel") or {}).get("id", ""))
        ts = str(message.get("ts", ""))
        value = (
            explain_blocks.in_thread_value(channel, ts, str(message.get("thread_ts") or ts), found)
            if channel and ts
            else ""
        )
        reply = explain_blocks.explanation_message(found, in_thread_value=value)
    else:
        reply = explain_blocks.nothing_found_message()
    payload = ephemeral(reply)
    # Posting to the response URL is a call to Slack: after the ack, off the listener threads.
    after_ack(context, body, lambda: _answer(respond, payload))


def _answer(respond: Respond, payload: dict[str, Any]) -> None:
    respond(**payload)


def post_in_thread_clicked(
    ack: Ack, body: dict, action: dict, context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """Post the explanation in the message's thread, once; later presses point to it."""
    ack()
    after_ack(context, body, lambda: _post_in_thread(body, action, context, client, respond))


def _post_in_thread(
    body: dict, action: dict, context: BoltContext, client: WebClient, respond: Respond
) -> None:
    def answer(message: blocks.Message) -> None:
        respond(**ephemeral(message), replace_original=False)

    parsed = explain_blocks.parse_in_thread_value(str(action.get("value", "")))
    library: Library = deps(context).library
    found = named_terms(library.terms, parsed[3]) if parsed else ()
    if parsed is None or not found:
        answer(blocks.markdown_notice(STALE, STALE.replace("*", "")))
        return
    channel, message_ts, thread_ts, _ = parsed
    services: Services = deps(context).services
    store = services.store
    if not store.claim_explanation(channel, message_ts):
        answer(
            explain_blocks.already_explained_message(
                _permalink(client, channel, store.explanation_reply(channel, message_ts))
            )
        )
        return
    message = explain_blocks.explanation_message(found, requested_by=str(body["user"]["id"]))
    try:
        posted = client.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts,
            **message.payload(),
            unfurl_links=False,
            unfurl_media=False,
        )
    except SlackApiError as error:
        if error.response.status_code < 500:
            # Slack refused it (not in the channel, say), so nothing was posted: free the
            # claim so a press after inviting briefbot posts it. The error handler tells
            # the person how to invite it; their private answer stays as it is.
            store.release_explanation(channel, message_ts)
        raise
    store.set_explanation_reply(channel, message_ts, str(posted["ts"]))


def _permalink(client: WebClient, channel: str, reply_ts: str | None) -> str | None:
    if not reply_ts:
        return None
    try:
        found = client.chat_getPermalink(channel=channel, message_ts=reply_ts)
    except SlackApiError:
        return None  # the pointer then names the thread without a link
    permalink = found.get("permalink")
    return permalink if isinstance(permalink, str) else None
