"""Explain terms, on any message: the glossary terms in it, privately; and, with the
answer's Post in thread button, once in that message's thread for everyone."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.content.library import Library
from bot.listeners import posted_once
from bot.listeners.acked import Acked, acked_then, after_ack
from bot.listeners.context import deps
from bot.listeners.posted_once import Outcome, Post, once_key
from bot.listeners.replies import ephemeral
from bot.search.acronyms import acronyms
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
    prose = message_prose(message)
    found = find_terms(library.term_finder, prose)
    unknown = [word for word in acronyms("\n".join(prose)) if not library.meanings(word)]
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
    payload = ephemeral(explain_blocks.with_suggestions(reply, unknown))
    # Posting to the response URL is a call to Slack: after the ack, off the listener threads.
    after_ack(context, body, lambda: _answer(respond, payload))


def _answer(respond: Respond, payload: dict[str, Any]) -> None:
    respond(**payload)


def _post_in_thread(acked: Acked) -> None:
    """Post the explanation in the message's thread, once; later presses point to it."""
    body, action, context = acked.body, acked.payload, acked.context
    client, respond = acked.client, acked.respond

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
    message = explain_blocks.explanation_message(found, requested_by=str(body["user"]["id"]))
    key = once_key("explain", channel, message_ts)
    # A refusal (not in the channel, say) is raised: the error handler tells the person
    # how to invite briefbot, their private answer stays, and a later press posts.
    post = Post(key, channel, message.payload(), thread_ts)
    posted = posted_once.post_once(services.store, client, post)
    if posted.outcome == Outcome.IN_DOUBT:
        answer(posted_once.in_doubt_notice("the explanation", "the message's thread"))
    elif posted.outcome != Outcome.POSTED:
        link = posted_once.permalink(client, channel, posted.ts)
        answer(explain_blocks.already_explained_message(link))


post_in_thread_clicked = acked_then(_post_in_thread)
