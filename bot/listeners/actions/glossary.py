"""Buttons for the glossary: a term's definition and the A–Z pages."""

from __future__ import annotations

from slack_bolt import Ack, BoltContext, Respond

from bot.basics import whole_number
from bot.listeners.commands.define import definition_reply, glossary_message
from bot.listeners.followups import after_ack
from bot.listeners.replies import ephemeral
from bot.search.glossary_index import define


def define_term_clicked(
    ack: Ack, body: dict, action: dict, context: BoltContext, respond: Respond
) -> None:
    """Show a term's definition privately, leaving the message it was clicked on as it is."""
    ack()
    found = define(context["library"], str(action.get("value", ""))[:200])
    payload = ephemeral(definition_reply(found))
    # Posting to the response URL is a call to Slack: after the ack, off the listener threads.
    after_ack(context, body, lambda: respond(**payload, replace_original=False))


def glossary_page_clicked(
    ack: Ack, body: dict, action: dict, context: BoltContext, respond: Respond
) -> None:
    """Turn the glossary's page in place."""
    ack()
    page = whole_number(str(action.get("value", "1")), 1, 10**6) or 1
    payload = ephemeral(glossary_message(context["library"], page))
    after_ack(context, body, lambda: respond(**payload, replace_original=True))
