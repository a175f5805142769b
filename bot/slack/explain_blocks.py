"""Block Kit for "Explain terms": the terms found in a message, each with its first
sentence and a Full definition button; and the notes around posting it in a thread."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.model import ItemKind
from bot.search.term_finder import TermMatch
from bot.slack.blocks import (
    FALLBACK_MAX,
    Message,
    markdown_notice,
    term_summary_section,
)
from bot.slack.feedback import feedback_row
from bot.slack.limits import BUTTON_VALUE_MAX, MESSAGE_BLOCKS_MAX
from bot.slack.mrkdwn import escape, escape_within, escaped_list_within, link, truncate
from bot.slack.suggest_button import suggest_button

# The callback_id of the message shortcut (app-manifest.yml) and the button's action_id.
EXPLAIN_TERMS = "explain_terms"
EXPLAIN_IN_THREAD = "explain_in_thread"

# Blocks other than the terms': the heading, "and N more", the Post in thread button and
# the 👍 / 👎 row.
_MAX_SHOWN = MESSAGE_BLOCKS_MAX - 4


def _term_section(match: TermMatch) -> SectionBlock:
    # The same summary /define gives each meaning of a shared alias, context included.
    note = f"(found as “{escape_within(match.name, 200)}”)" if match.by_alias else ""
    return term_summary_section(match.term, note=note)


def explanation_message(
    found: Sequence[TermMatch], *, in_thread_value: str = "", requested_by: str = ""
) -> Message:
    """The terms found in a message, in order of first appearance.

    `in_thread_value` (the private answer) adds a **Post in thread** button carrying it;
    `requested_by` (the reply in the thread) says who asked for it. The 👍 / 👎 row
    under it is a vote on each term shown.
    """
    count = len(found)
    heading = f"*{count} glossary term{'s' if count != 1 else ''} in this message*"
    blocks: list[Block] = []
    if requested_by:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=f"<@{requested_by}> asked briefbot to explain this message's terms.",
                        verbatim=True,
                    )
                ]
            )
        )
    blocks.append(SectionBlock(text=MarkdownTextObject(text=heading, verbatim=True)))
    shown = found[: _MAX_SHOWN - len(blocks)]
    blocks.extend(_term_section(match) for match in shown)
    if len(shown) < count:
        rest = [match.term.term for match in found[len(shown) :]]
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=f"And {len(rest)} more: " + escaped_list_within(rest, 1800),
                        verbatim=True,
                    )
                ]
            )
        )
    if in_thread_value:
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text=PlainTextObject(text="Post in thread", emoji=True),
                        action_id=EXPLAIN_IN_THREAD,
                        value=in_thread_value,
                    )
                ]
            )
        )
    blocks.append(feedback_row(ItemKind.TERM, *(match.term.term for match in shown)))
    names = ", ".join(match.term.term for match in found)
    text = truncate(f"Glossary terms in this message: {names}", FALLBACK_MAX)
    return Message(text=escape(text), blocks=blocks)


def nothing_found_message() -> Message:
    """No glossary term in the message: say so, and how to look one up."""
    return markdown_notice(
        "I found no glossary terms in this message. Look one up with `/define term`, "
        "or see them all with `/define`.",
        "No glossary terms in this message. Look one up with /define term, or list them "
        "all with /define.",
    )


def already_explained_message(permalink: str | None) -> Message:
    """The message's terms are already explained in its thread: where."""
    if permalink:
        where = link(permalink, "this message's thread")
        return markdown_notice(
            f"The terms of this message are already explained in {where}.",
            "The terms of this message are already explained in its thread.",
        )
    return markdown_notice(
        "The terms of this message are already explained in its thread.",
        "The terms of this message are already explained in its thread.",
    )


def in_thread_value(
    channel: str, message_ts: str, thread_ts: str, found: Sequence[TermMatch]
) -> str:
    """What the Post in thread button carries: where to post, and the terms found with
    the names they were found by, as many as fit in a button's value."""
    value: dict[str, Any] = {"c": channel, "m": message_ts, "t": thread_ts, "f": []}
    for match in found:
        value["f"].append([match.term.term] + ([match.name] if match.by_alias else []))
        if len(json.dumps(value, ensure_ascii=False)) > BUTTON_VALUE_MAX:
            value["f"].pop()
            break
    return json.dumps(value, ensure_ascii=False)


def parse_in_thread_value(value: str) -> tuple[str, str, str, list[tuple[str, str]]] | None:
    """The channel, message ts, thread ts and (term, name) pairs of a Post in thread
    button's value; None when it is not one of ours."""
    try:
        data = json.loads(value)
        channel, message_ts, thread_ts = str(data["c"]), str(data["m"]), str(data["t"])
        pairs = [(str(item[0]), str(item[1] if len(item) > 1 else item[0])) for item in data["f"]]
    except (ValueError, KeyError, TypeError, IndexError):
        return None
    return channel, message_ts, thread_ts, pairs


def with_suggestions(message: Message, unknown: Sequence[str]) -> Message:
    """`message` with a **Suggest** button for each word in `unknown`: words that look
    like acronyms and are not in the glossary."""
    if not unknown:
        return message
    note = ContextBlock(
        elements=[
            MarkdownTextObject(
                text="Not in the glossary yet: " + escaped_list_within(list(unknown), 1800),
                verbatim=True,
            )
        ]
    )
    buttons = [suggest_button("term", word, f"Suggest “{word}”") for word in unknown]
    for at, button in enumerate(buttons[1:], start=1):
        button.action_id = f"{button.action_id}:{at}"
    return Message(message.text, [*message.blocks, note, ActionsBlock(elements=buttons)])
