"""The prose of a Slack message: what "Explain terms" looks for glossary terms in.

Code spans and code blocks, links' URLs, and user, channel and special mentions are
left out (a link's label is prose and stays); each leaves a break, so no term is found
across one. The message's `text` is read, and for messages with blocks (briefbot's own
briefs, other apps' posts), the text of their blocks too, where `text` is only a
fallback. Slack's `&amp;`, `&lt;` and `&gt;` are already undone when this runs (the
app's middleware decodes every request as it arrives).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from bot.slack.mrkdwn import unescape

_LEFT_OUT = re.compile(
    r"```.*?```"  # a code block
    r"|`[^`\n]+`"  # a code span
    r"|<[@#!][^<>]*>"  # <@U123>, <#C123|general>, <!here>, <!subteam^S1>, <!date^…|…>
    # A link Slack made: <https://…>, <mailto:…|label>. Only its label is prose.
    r"|<[A-Za-z][A-Za-z0-9+.-]*:[^<>|\s]*(?:\|(?P<label>[^<>]*))?>",
    re.DOTALL,
)

MAX_BLOCK_TEXTS = 200
"""Text objects read from a message's blocks at most (Slack allows 50 blocks)."""


def prose(text: str) -> list[str]:
    """`text` as stretches of prose, with code, URLs and mentions left out between them."""
    stretches: list[str] = []
    current: list[str] = []
    at = 0
    for found in _LEFT_OUT.finditer(text):
        current.append(text[at : found.start()])
        at = found.end()
        label = found.group("label")
        if label:
            current.append(label)  # a labelled link reads as its label, in its sentence
        else:
            stretches.append(" ".join(current))
            current = []
    current.append(text[at:])
    stretches.append(" ".join(current))
    return [stretch for stretch in stretches if stretch.strip()]


def message_prose(message: dict[str, Any]) -> list[str]:
    """The prose of a message (a `message` from a shortcut's payload): its text, then
    the text of its blocks other than rich text (which only repeats `text`)."""
    stretches = prose(str(message.get("text") or ""))
    for text in _block_texts(message.get("blocks")):
        stretches.extend(prose(text))
    return stretches


def decode_message(message: dict[str, Any]) -> None:
    """Undo Slack's escaping in a message's text and in its blocks' text objects, in place."""
    if isinstance(message.get("text"), str):
        message["text"] = unescape(message["text"])
    for text_object in _text_objects(message.get("blocks")):
        text_object["text"] = unescape(text_object["text"])


def _block_texts(blocks: Any) -> Iterator[str]:
    for count, text_object in enumerate(_text_objects(blocks)):
        if count >= MAX_BLOCK_TEXTS:
            return
        yield text_object["text"]


def _text_objects(blocks: Any) -> Iterator[dict[str, Any]]:
    """The text objects (mrkdwn, plain_text) of a message's blocks other than rich text."""
    if not isinstance(blocks, list):
        return
    for block in blocks:
        if not isinstance(block, dict) or block.get("type") == "rich_text":
            continue
        context = block.get("elements") if block.get("type") == "context" else None
        for value in (block.get("text"), *_list(block.get("fields")), *_list(context)):
            if (
                isinstance(value, dict)
                and value.get("type") in ("mrkdwn", "plain_text")
                and isinstance(value.get("text"), str)
            ):
                yield value


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
