"""/define: a glossary definition, "did you mean" for typos, or the glossary A to Z."""

from __future__ import annotations

from slack_bolt import Ack, BoltContext, Respond

from bot.content.library import Library
from bot.listeners.context import deps
from bot.listeners.replies import Reply
from bot.model import MAX_TERM, normalize_key
from bot.search.glossary_index import Definition, define, glossary_page
from bot.slack import blocks

HELP = """\
*/define* _term_ — what a term means, e.g. `/define sae`
*/define* — the whole glossary, A to Z"""

MAX_QUERY = 200


def define_command(ack: Ack, command: dict, context: BoltContext, respond: Respond) -> None:
    """Answer /define with a definition, "did you mean" buttons or the glossary's first page."""
    text = " ".join((command.get("text") or "").split())[:MAX_QUERY]
    needs = deps(context)
    library = needs.library
    reply: Reply = context.get("reply") or Reply(ack, respond)
    if not text:
        reply(glossary_message(library, 1))
        return
    found = define(library, text)
    reply(definition_reply(found))
    # Counted after answering, best effort: see BriefRequest.record_lookup.
    store = needs.store
    needs.follow_ups.best_effort(
        lambda: store.record_lookup("define", text, *lookup_result(found)),
        "record a /define lookup",
    )


def lookup_result(found: Definition) -> tuple[bool, str | None]:
    """Whether a /define lookup found something, and what the report counts it as: the
    term, or for an alias several terms share, the alias with its count of meanings
    ("RSP (2 meanings)"), so the report neither splits it among terms nor calls it a miss."""
    if found.term is not None:
        return True, found.term.term
    if found.meanings:
        return True, f"{found.matched_name} ({len(found.meanings)} meanings)"
    return False, None


def definition_reply(found: Definition) -> blocks.Message:
    if found.term is not None:
        return blocks.definition_message(
            found.term,
            matched_name=found.matched_name,
            fuzzy_query=found.query if found.kind in ("fuzzy", "meaning") else "",
            see_also=found.see_also,
            used_by=found.used_by,
        )
    if found.meanings:
        return blocks.meanings_message(
            found.matched_name,
            found.meanings,
            fuzzy_query=found.query
            if normalize_key(found.query) != normalize_key(found.matched_name)
            else "",
        )
    return blocks.did_you_mean_message(
        found.query,
        [t.term for t in found.candidates],
        action_id=blocks.DEFINE_TERM,
        what="glossary term",
        labels=[t.label for t in found.candidates],
        suggest=could_be_a_name(found.query),
    )


def could_be_a_name(query: str) -> bool:
    """Whether what was typed could be a term's name, to offer suggesting it: not too long,
    with letters or digits, and no Slack markup (a mention, a link) in it."""
    return 0 < len(query) <= MAX_TERM and bool(normalize_key(query)) and not set("<>") & set(query)


def glossary_message(library: Library, page: int) -> blocks.Message:
    listing = glossary_page(library, page)
    return blocks.glossary_page_message(listing.terms, listing.page, listing.pages, listing.total)
