"""Buttons for the glossary: a term's definition and the A–Z pages."""

from __future__ import annotations

from bot.basics import whole_number
from bot.listeners.acked import Acked, acked_then
from bot.listeners.commands.define import definition_reply, glossary_message
from bot.listeners.replies import ephemeral
from bot.search.glossary_index import define


def _define_term(acked: Acked) -> None:
    """Show a term's definition privately, leaving the message it was clicked on as it is."""
    found = define(acked.deps.library, str(acked.payload.get("value", ""))[:200])
    acked.respond(**ephemeral(definition_reply(found)), replace_original=False)


def _turn_glossary_page(acked: Acked) -> None:
    """Turn the glossary's page in place."""
    page = whole_number(str(acked.payload.get("value", "1")), 1, 10**6) or 1
    acked.respond(**ephemeral(glossary_message(acked.deps.library, page)), replace_original=True)


define_term_clicked = acked_then(_define_term)
glossary_page_clicked = acked_then(_turn_glossary_page)
