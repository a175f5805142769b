"""Block Kit messages and views, built with slack_sdk's models.

Every builder returns a `Message` with a plain-text fallback, and every text is cut
to fit Block Kit's limits, so Slack never rejects what we send however long or odd
the content is. Content and user text goes through `mrkdwn`, which escapes it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    LinkButtonElement,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.model import Brief, ItemKind, Term, Vote
from bot.slack.feedback import feedback_row
from bot.slack.limits import (
    ACTIONS_ELEMENTS_MAX,
    BUTTON_TEXT_MAX,
    BUTTON_VALUE_MAX,
    HEADER_TEXT_MAX,
    MESSAGE_BLOCKS_MAX,
    SECTION_TEXT_MAX,
    VIEW_BLOCKS_MAX,
)
from bot.slack.mrkdwn import (
    ELLIPSIS,
    cut_mrkdwn,
    escape,
    escape_within,
    escaped_list_within,
    link,
    to_mrkdwn,
    to_plain,
    truncate,
)
from bot.slack.suggest_button import suggest_button

# briefbot's own budgets, tighter than Slack's limits (those are in bot/slack/limits.py).
CONTEXT_MAX = 2000
"""Characters in one context line."""
FALLBACK_MAX = 3000
"""Characters in a message's plain-text fallback (notifications, screen readers)."""

# action_ids: the listeners in bot/listeners/actions/ register one callback each.
SHARE_BRIEF = "share_brief"
RELATED_BRIEFS = "related_briefs"
SHOW_BRIEF = "show_brief"
DEFINE_TERM = "define_term"
GLOSSARY_PAGE = "glossary_page"
READ_STORY = "read_story"
DM_SUBSCRIBE = "dm_subscribe"
DM_UNSUBSCRIBE = "dm_unsubscribe"
DM_SNOOZE = "dm_snooze"
DM_UNSNOOZE = "dm_unsnooze"

SENTENCE_MAX = 400
"""A first sentence longer than this is cut where a word ends, with “…”."""
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"“(\[A-Z0-9])")
MEANINGS_SHOWN = 20
"""Meanings of a shared alias shown in full, each a section; the rest are named."""


@dataclass(frozen=True, slots=True)
class Message:
    """A message ready for chat.postMessage, a response_url or an ack."""

    text: str
    blocks: Sequence[Block] = field(default_factory=tuple)

    def blocks_json(self) -> list[dict[str, Any]]:
        return [block.to_dict() for block in self.blocks]

    def payload(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks_json()}


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text or " ", verbatim=True))


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text or " ", verbatim=True)])


def _button(label: str, action_id: str, value: str, style: str | None = None) -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text=truncate(label, BUTTON_TEXT_MAX), emoji=True),
        action_id=action_id,
        value=value[:BUTTON_VALUE_MAX],
        style=style,
    )


def _actions(elements: list[ButtonElement | LinkButtonElement]) -> list[ActionsBlock]:
    return [
        ActionsBlock(elements=elements[i : i + ACTIONS_ELEMENTS_MAX])
        for i in range(0, len(elements), ACTIONS_ELEMENTS_MAX)
    ]


def chunk_lines(title: str, lines: Iterable[str], limit: int = SECTION_TEXT_MAX) -> list[str]:
    """Lines grouped into section texts of at most `limit` characters each."""
    chunks: list[str] = []
    current = title
    for line in lines:
        line = line if len(line) <= limit else cut_mrkdwn(line, limit)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks


def format_date(day: dt.date) -> str:
    return f"{day:%b} {day.day}, {day.year}"


def _unique_ids(actions: list[ButtonElement | LinkButtonElement]) -> None:
    # Slack rejects a message whose action_ids repeat within one actions block.
    seen: dict[str, int] = {}
    for element in actions:
        base = element.action_id or ""
        count = seen.get(base, 0)
        seen[base] = count + 1
        if count:
            element.action_id = f"{base}:{count}"


def _fit(blocks: list[Block], limit: int = MESSAGE_BLOCKS_MAX) -> list[Block]:
    if len(blocks) <= limit:
        return blocks
    return [*blocks[: limit - 1], _context("_More than fits in one message was cut._")]


def fit_with_feedback(blocks: list[Block], kind: ItemKind, *item_ids: str) -> list[Block]:
    """`blocks` cut to leave room for the 👍 / 👎 row, then the row: however long the
    content, the row is always there."""
    return [*_fit(blocks, MESSAGE_BLOCKS_MAX - 1), feedback_row(kind, *item_ids)]


def brief_context_line(brief: Brief, limit: int = CONTEXT_MAX) -> str:
    """Date, tags and source link, cut on whole items so no escape or link is split.

    The source link goes first if even it does not fit (the "Read full story" button
    still carries it); then tags from the last, with "…" where some were left out.
    """
    date = format_date(brief.date)
    tags = [f"#{escape(tag)}" for tag in brief.tags]
    story = (
        f"Read full story at {link(brief.source.url, brief.source.name)} →" if brief.source else ""
    )

    def line(shown: list[str], more: bool, with_story: bool) -> str:
        parts = [date]
        if shown or more:
            parts.append(" ".join([*shown, ELLIPSIS] if more else shown))
        if with_story and story:
            parts.append(story)
        return " · ".join(parts)

    for with_story in (True, False):
        for count in range(len(tags), -1, -1):
            text = line(tags[:count], count < len(tags), with_story)
            if len(text) <= limit:
                return text
    return date


def brief_message(
    brief: Brief,
    *,
    ephemeral: bool,
    shared_by: str | None = None,
    daily: bool = False,
    banner: str = "",
    intro: str = "",
) -> Message:
    """A brief as on the seed page: title, summary, "In brief" bullets, its terms and source.

    `ephemeral` answers carry "Share in channel"; channel posts (shared or the daily
    post) carry "Related briefs", which threads its answer under the post. `banner`
    (our own mrkdwn) goes under the title and `intro` before the fallback text, for the
    posts channels subscribe to (bot/slack/channel_posts.py). Every one ends with the
    👍 / 👎 row.
    """
    if daily:
        banner, intro = ":newspaper: *Today's featured brief*", "Today's featured brief: "
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=truncate(brief.title, HEADER_TEXT_MAX), emoji=True))
    ]
    if banner:
        blocks.append(_context(banner))
    elif shared_by:
        blocks.append(_context(f"Shared by <@{shared_by}>"))
    blocks.append(_section(to_mrkdwn(brief.summary, SECTION_TEXT_MAX)))
    if brief.points:
        lines = [f"• {to_mrkdwn(point, SECTION_TEXT_MAX - 20)}" for point in brief.points]
        blocks.extend(_section(chunk) for chunk in chunk_lines("*In brief*", lines))
    if brief.terms:
        blocks.append(_section("*Terms in this brief*"))
        term_buttons: list[ButtonElement | LinkButtonElement] = [
            _button(term, DEFINE_TERM, term) for term in brief.terms
        ]
        _unique_ids(term_buttons)
        blocks.extend(_actions(term_buttons))
    blocks.append(_context(brief_context_line(brief)))
    buttons: list[ButtonElement | LinkButtonElement] = []
    if ephemeral:
        buttons.append(_button("Share in channel", SHARE_BRIEF, brief.id, style="primary"))
    buttons.append(_button("Related briefs", RELATED_BRIEFS, brief.id))
    if brief.source:
        buttons.append(
            LinkButtonElement(
                text=truncate("Read full story", BUTTON_TEXT_MAX),
                url=brief.source.url,
                action_id=READ_STORY,
            )
        )
    buttons.append(suggest_button("brief", brief.id))
    blocks.extend(_actions(buttons))
    text = truncate(f"{intro}{brief.title}: {to_plain(brief.summary)}", FALLBACK_MAX)
    return Message(text=escape(text), blocks=fit_with_feedback(blocks, ItemKind.BRIEF, brief.id))


def brief_list_message(heading: str, briefs: Sequence[Brief], *, note: str = "") -> Message:
    """A short list of briefs, each with its date, first line and a "Show" button."""
    blocks: list[Block] = [_section(f"*{escape_within(heading, 200)}*")]
    if note:
        blocks.append(_context(cut_mrkdwn(note, CONTEXT_MAX)))
    for brief in briefs[:15]:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=to_mrkdwn(
                        f"**{brief.title}**\n{format_date(brief.date)} · {brief.summary}",
                        300,
                    ),
                    verbatim=True,
                ),
                accessory=_button("Show", SHOW_BRIEF, brief.id),
            )
        )
    text = truncate(heading + ": " + "; ".join(b.title for b in briefs), FALLBACK_MAX)
    return Message(text=escape(text), blocks=_fit(blocks))


def related_message(brief: Brief, related: Sequence[Brief]) -> Message:
    """The related briefs for a brief, as posted in its thread or answered privately."""
    if not related:
        return notice(f"No related briefs for “{brief.title}” yet.")
    return brief_list_message(f"Related to “{brief.title}”", related)


def definition_message(
    term: Term,
    *,
    matched_name: str = "",
    fuzzy_query: str = "",
    see_also: Sequence[Term] = (),
    used_by: Sequence[Brief] = (),
) -> Message:
    """A glossary entry with aliases, see-also terms and the briefs that use it, and the
    👍 / 👎 row."""
    blocks: list[Block] = []
    if fuzzy_query:
        blocks.append(
            _context(
                f"No exact match for “{escape_within(fuzzy_query, 100)}”; showing "
                f"*{escape_within(term.term, 200)}*."
            )
        )
    elif matched_name and matched_name.casefold() != term.term.casefold():
        blocks.append(
            _context(
                f"“{escape_within(matched_name, 200)}” is another name for "
                f"*{escape_within(term.term, 200)}*."
            )
        )
    context = f" _({escape_within(term.context, 100)})_" if term.context else ""
    blocks.append(
        _section(
            f"*{escape_within(term.term, 200)}*{context}\n"
            + to_mrkdwn(term.definition, SECTION_TEXT_MAX - 320)
        )
    )
    if term.aliases:
        blocks.append(
            _context(
                "Also called: "
                + escaped_list_within(term.aliases, CONTEXT_MAX - len("Also called: "))
            )
        )
    if see_also:
        blocks.append(_context("See also:"))
        see_buttons: list[ButtonElement | LinkButtonElement] = [
            _button(t.term, DEFINE_TERM, t.term) for t in see_also
        ]
        _unique_ids(see_buttons)
        blocks.extend(_actions(see_buttons))
    if used_by:
        lines = [f"• {escape(b.title)}" for b in used_by[:10]]
        blocks.append(_section(chunk_lines("*Briefs that use it*", lines)[0]))
        brief_buttons: list[ButtonElement | LinkButtonElement] = [
            _button(truncate(b.title, 40), SHOW_BRIEF, b.id) for b in used_by[:5]
        ]
        _unique_ids(brief_buttons)
        blocks.extend(_actions(brief_buttons))
    blocks.extend(_actions([suggest_button("fix", term.term)]))
    text = truncate(f"{term.term}: {to_plain(term.definition)}", FALLBACK_MAX)
    return Message(text=escape(text), blocks=fit_with_feedback(blocks, ItemKind.TERM, term.term))


def first_sentence(definition: str) -> str:
    """The first sentence of a definition (all of it when it has one sentence)."""
    text = " ".join(definition.split())
    return _SENTENCE_END.split(text, maxsplit=1)[0]


def term_summary_section(term: Term, *, note: str = "") -> SectionBlock:
    """A term in brief: its name, context (and `note`, our own mrkdwn), its definition's
    first sentence and a **Full definition** button that answers like `/define term`."""
    heading = f"*{escape_within(term.term, 200)}*"
    if term.context:
        heading += f" _({escape_within(term.context, 100)})_"
    if note:
        heading += f" {note}"
    sentence = to_mrkdwn(first_sentence(term.definition), SENTENCE_MAX)
    return SectionBlock(
        text=MarkdownTextObject(
            text=cut_mrkdwn(f"{heading}\n{sentence}", SECTION_TEXT_MAX), verbatim=True
        ),
        accessory=_button("Full definition", DEFINE_TERM, term.term),
    )


def meanings_message(alias: str, meanings: Sequence[Term], *, fuzzy_query: str = "") -> Message:
    """An alias several terms share: each meaning with its context, first sentence and a
    Full definition button, A to Z; past `MEANINGS_SHOWN`, the others only by name."""
    shown_alias = escape_within(alias, 200)
    intro = f"*{shown_alias}* has {len(meanings)} meanings in the glossary:"
    if fuzzy_query:
        intro = f"No exact match for “{escape_within(fuzzy_query, 100)}”. {intro}"
    blocks: list[Block] = [_section(intro)]
    shown = meanings[:MEANINGS_SHOWN]
    blocks.extend(term_summary_section(term) for term in shown)
    rest = meanings[len(shown) :]
    if rest:
        lead = f"And {len(rest)} more: "
        blocks.append(
            _context(
                lead
                + escaped_list_within([t.label for t in rest], CONTEXT_MAX - len(lead) - 60)
                + " · `/define` _term_ for one."
            )
        )
    text = truncate(
        f"{alias} has {len(meanings)} meanings: " + "; ".join(t.label for t in meanings),
        FALLBACK_MAX,
    )
    return Message(text=escape(text), blocks=_fit(blocks))


def did_you_mean_message(
    query: str,
    candidates: Sequence[str],
    *,
    action_id: str,
    what: str,
    labels: Sequence[str] = (),
    suggest: bool = False,
) -> Message:
    """ "Did you mean" with a button per candidate; `what` names what was looked for.
    With `suggest`, it offers to suggest `query` as a new term.

    `labels` (parallel to `candidates`) are the buttons' texts where they differ from
    the values, as for glossary terms with a context: "RSP (procurement)".
    """
    shown = escape_within(query, 100)
    if not candidates:
        found = notice(f"No {what} matches “{query}”.")
        if suggest:
            return Message(found.text, [*found.blocks, *_actions([suggest_button("term", query)])])
        return found
    names = list(labels) if len(labels) == len(candidates) else list(candidates)
    buttons: list[ButtonElement | LinkButtonElement] = [
        _button(name, action_id, value) for name, value in zip(names, candidates, strict=True)
    ]
    _unique_ids(buttons)
    buttons = buttons[:10]
    if suggest:
        buttons.append(suggest_button("term", query))
    blocks: list[Block] = [
        _section(f"No {what} matches “{shown}”. Did you mean:"),
        *_actions(buttons),
    ]
    text = truncate(f"No {what} matches “{query}”. Did you mean: " + ", ".join(names), FALLBACK_MAX)
    return Message(text=escape(text), blocks=blocks)


def glossary_page_message(terms: Sequence[Term], page: int, pages: int, total: int) -> Message:
    """One page of the glossary, A to Z, with previous/next buttons."""
    lines = [
        f"*{escape(t.term)}*{f' _({escape(t.context)})_' if t.context else ''}: "
        f"{to_mrkdwn(t.definition, 140)}"
        for t in terms
    ]
    blocks: list[Block] = [
        _section(f"*Glossary* ({total} terms), page {page} of {pages}"),
        *(_section(chunk) for chunk in chunk_lines("", lines)),
    ]
    nav: list[ButtonElement | LinkButtonElement] = []
    if page > 1:
        nav.append(_button("← Previous", f"{GLOSSARY_PAGE}:prev", str(page - 1)))
    if page < pages:
        nav.append(_button("Next →", f"{GLOSSARY_PAGE}:next", str(page + 1)))
    if nav:
        blocks.extend(_actions(nav))
    blocks.append(_context("Type `/define term` for one definition."))
    text = f"Glossary, page {page} of {pages}: " + ", ".join(t.label for t in terms)
    return Message(text=escape(truncate(text, FALLBACK_MAX)), blocks=_fit(blocks))


def notice(text: str, *, detail: str = "") -> Message:
    """A short message made of our own words plus, maybe, escaped user or content text."""
    body = escape_within(text, SECTION_TEXT_MAX - 10)
    blocks: list[Block] = [_section(body)]
    if detail:
        blocks.append(_context(escape_within(detail, CONTEXT_MAX)))
    return Message(text=body, blocks=blocks)


def vote_reply(vote: Vote | None, previous: Vote | None, what: str) -> Message:
    """What the person who pressed 👍 or 👎 sees of their vote on `what` (a title, a term,
    "these 3 briefs"; escaped here): cast, changed or withdrawn, and how to undo it."""
    name = escape_within(what, 300)
    if vote is None:
        said = "Your vote on {} is withdrawn."
        hint = "Press 👍 or 👎 to vote again."
    else:
        emoji = "👍" if vote == Vote.UP else "👎"
        verdict = "helpful" if vote == Vote.UP else "not helpful"
        lead = "Vote changed" if previous is not None and previous != vote else "Thanks"
        said = f"{emoji} {lead}: you found {{}} {verdict}."
        hint = f"Press {emoji} again to withdraw your vote."
    return Message(
        text=truncate(f"{said.format(name)} {hint}", FALLBACK_MAX),
        blocks=[_section(said.format(f"*{name}*")), _context(hint)],
    )


def markdown_notice(mrkdwn_text: str, fallback: str) -> Message:
    """A message whose mrkdwn we wrote ourselves (help texts); nothing in it is user text."""
    return Message(
        text=truncate(fallback, FALLBACK_MAX),
        blocks=[_section(chunk) for chunk in chunk_lines("", mrkdwn_text.split("\n"))],
    )


@dataclass(frozen=True, slots=True)
class DmHome:
    """The Home tab's part about the person's own DMs: what they get (mrkdwn lines we
    wrote, each with the kind its Stop button ends), the kinds they could add, and their
    snooze, if any (already in words)."""

    subscriptions: Sequence[tuple[str, str]] = ()
    missing: Sequence[tuple[str, str]] = (("daily", "Subscribe me"),)
    """(kind, button label) for each kind the person does not get yet."""
    snoozed_until: str | None = None


def _dm_blocks(dms: DmHome) -> list[Block]:
    blocks: list[Block] = [DividerBlock(), _section("*Briefs in your DMs*")]
    for line, kind in dms.subscriptions:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=truncate(line, SECTION_TEXT_MAX), verbatim=True),
                accessory=_button("Stop", f"{DM_UNSUBSCRIBE}:{kind}", kind),
            )
        )
    if not dms.subscriptions:
        blocks.append(
            _section(
                "Get today's featured brief in our DMs on weekdays at 09:00 your time, or "
                "type `/brief subscribe new` or `/brief subscribe weekly fri 16:00` here."
            )
        )
    # One action id per button (Slack refuses repeats in a view); the router takes ":kind".
    buttons = [_button(label, f"{DM_SUBSCRIBE}:{kind}", kind) for kind, label in dms.missing]
    if dms.subscriptions:
        if dms.snoozed_until is not None:
            buttons.append(_button("Unsnooze", DM_UNSNOOZE, "now"))
        else:
            buttons.append(_button("Snooze a week", DM_SNOOZE, "1w"))
    blocks.extend(_actions(buttons))
    if dms.snoozed_until is not None:
        blocks.append(_context(f":zzz: Snoozed until {dms.snoozed_until}."))
    elif dms.subscriptions:
        blocks.append(_context("Nothing comes outside 08:00-20:00 your time unless you chose it."))
    return blocks


def home_view(
    *,
    featured: Brief | None,
    latest: Sequence[Brief],
    term_count: int,
    brief_count: int,
    usage: str,
    schedules: Sequence[str] = (),
    dms: DmHome | None = None,
) -> View:
    """The App Home tab: today's brief, the latest five, glossary size and how to use it.

    `schedules` are mrkdwn lines the caller built (with channel links), already escaped.
    """
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text="briefbot", emoji=True))]
    if featured is not None:
        blocks.append(_section("*Today's featured brief*"))
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=to_mrkdwn(f"**{featured.title}**\n{featured.summary}", 600), verbatim=True
                ),
                accessory=_button("Show", SHOW_BRIEF, featured.id),
            )
        )
    blocks.append(DividerBlock())
    blocks.append(_section("*Latest briefs*"))
    for brief in latest[:5]:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=to_mrkdwn(f"**{brief.title}**\n{format_date(brief.date)}", 300),
                    verbatim=True,
                ),
                accessory=_button("Show", SHOW_BRIEF, brief.id),
            )
        )
    blocks.append(_context(f"{brief_count} briefs · {term_count} glossary terms"))
    if dms is not None:
        blocks.extend(_dm_blocks(dms))
    if schedules:
        blocks.append(DividerBlock())
        blocks.append(_section(chunk_lines("*What channels get*", list(schedules))[0]))
    blocks.append(DividerBlock())
    blocks.extend(
        _section(chunk) for chunk in chunk_lines("*How to use briefbot*", usage.split("\n"))
    )
    return View(type="home", blocks=_fit(blocks, VIEW_BLOCKS_MAX))
